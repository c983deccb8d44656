import Foundation
import Synchronization
import WardenEngine

/// The demo's write load: writers that each insert a row into `demo_writes` (database `demo`)
/// every 100 ms through libpq. A writer that loses its connection (the primary crashed, hangs, or
/// became a standby) looks for whichever data node now accepts writes and carries on there.
final class WriteLoad: Sendable {
    /// Most writers ``addWriter()`` starts.
    static let maximumWriters = 8
    static let interval: Duration = .milliseconds(100)

    private let dataNodes: [DemoNode]
    private let writers = Mutex<[Task<Void, Never>]>([])
    private let written = Atomic<Int>(0)

    init(dataNodes: [DemoNode]) {
        self.dataNodes = dataNodes
    }

    /// Creates the table on the primary.
    static func createTable(on primary: DemoNode) async throws(WardenError) {
        let connection = try await PostgresConnection.connect(Conninfo(parsing: primary.conninfo(database: "demo")))
        try await connection.executeScript(
            """
            CREATE TABLE IF NOT EXISTS demo_writes (
                id bigserial PRIMARY KEY,
                writer integer NOT NULL,
                written_at timestamptz NOT NULL DEFAULT clock_timestamp()
            )
            """)
    }

    var writerCount: Int { writers.withLock { $0.count } }
    var rowsWritten: Int { written.load(ordering: .relaxed) }

    /// Starts one more writer; returns the number of writers, nil when the maximum is reached.
    @discardableResult
    func addWriter() -> Int? {
        writers.withLock { list -> Int? in
            guard list.count < Self.maximumWriters else { return nil }
            let number = list.count + 1
            list.append(Task.detached { [self] in await write(as: number) })
            return list.count
        }
    }

    func stop() async {
        let running = writers.withLock { list -> [Task<Void, Never>] in
            defer { list.removeAll() }
            return list
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    private func write(as writer: Int) async {
        var connection: PostgresConnection?
        while !Task.isCancelled {
            if connection == nil { connection = await findPrimary() }
            if let current = connection {
                do {
                    try await current.query(
                        "INSERT INTO demo_writes (writer) VALUES ($1)", [String(writer)], timeout: .seconds(2))
                    written.add(1, ordering: .relaxed)
                } catch {
                    connection = nil
                }
            }
            try? await Task.sleep(for: connection == nil ? .milliseconds(300) : Self.interval)
        }
    }

    /// A connection to a data node that is not in recovery, nil when none answers.
    private func findPrimary() async -> PostgresConnection? {
        for node in dataNodes where !Task.isCancelled {
            guard let conninfo = try? Conninfo(parsing: node.conninfo(database: "demo")),
                let connection = try? await PostgresConnection.connect(
                    conninfo, timeout: .seconds(1), applicationName: "pgwarden-demo-load"),
                let result = try? await connection.query(
                    "SELECT pg_catalog.pg_is_in_recovery() AS recovery", timeout: .seconds(1)),
                result.first?.bool("recovery") == false
            else { continue }
            return connection
        }
        return nil
    }
}
