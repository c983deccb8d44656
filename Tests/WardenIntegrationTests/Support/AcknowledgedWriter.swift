import Foundation
import WardenEngine

/// A client that writes one row every `interval` to one server, through the server's unix socket
/// (so it keeps writing when the server's network is cut), and records which write was
/// acknowledged when (each row carries the writer's label and a sequence number). `newConnectionPerWrite` opens a fresh session for every INSERT; otherwise it keeps
/// one session (opening a new one when it breaks) and before every write tries to undo a read-only
/// fence with `SET default_transaction_read_only = off`, as a client that means to write would.
final class AcknowledgedWriter: @unchecked Sendable {
    let label: String
    private let conninfo: Conninfo
    private let newConnectionPerWrite: Bool
    private let interval: Duration
    private let lock = NSLock()
    private var acknowledged: [(sequence: Int, at: ContinuousClock.Instant)] = []
    private var lastFailure = ""
    private var task: Task<Void, Never>?

    /// A writer to the server whose unix socket is in `socketDirectory`, inserting into `table`.
    init(
        label: String, socketDirectory: String, port: Int, newConnectionPerWrite: Bool,
        interval: Duration = .milliseconds(50)
    ) throws {
        self.label = label
        self.conninfo = try Conninfo(
            parsing: "host=\(socketDirectory) port=\(port) user=repmgr dbname=repmgr connect_timeout=1")
        self.newConnectionPerWrite = newConnectionPerWrite
        self.interval = interval
    }

    /// The statement every writer runs; the table is created by ``createTable(on:)``.
    static let insert = "INSERT INTO public.acknowledged_writes (writer, sequence) VALUES ($1, $2)"

    /// The table the writers insert into.
    static let createTable =
        "CREATE TABLE public.acknowledged_writes (writer text, sequence bigint, at timestamptz DEFAULT now())"

    func start() {
        let label = self.label
        task = Task.detached { [self] in
            var session: PostgresConnection?
            var sequence = 0
            while !Task.isCancelled {
                sequence += 1
                do throws(WardenError) {
                    if session == nil || newConnectionPerWrite {
                        session = try await PostgresConnection.connect(conninfo, timeout: .seconds(1))
                    }
                    guard let connection = session else { continue }
                    if !newConnectionPerWrite {
                        try await connection.query("SET default_transaction_read_only = off", timeout: .seconds(1))
                    }
                    try await connection.query(Self.insert, [label, String(sequence)], timeout: .seconds(1))
                    let now = ContinuousClock.now
                    lock.withLock { acknowledged.append((sequence, now)) }
                } catch {
                    session = nil
                    lock.withLock { lastFailure = error.message }
                }
                if newConnectionPerWrite { session = nil }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func stop() async {
        task?.cancel()
        await task?.value
    }

    /// When each acknowledged write was acknowledged, oldest first.
    var acknowledgements: [ContinuousClock.Instant] { lock.withLock { acknowledged.map(\.at) } }

    /// The sequence numbers of the writes acknowledged at or after `instant`.
    func sequences(acknowledgedFrom instant: ContinuousClock.Instant) -> Set<Int> {
        lock.withLock { Set(acknowledged.filter { $0.at >= instant }.map(\.sequence)) }
    }

    /// The latest failure, for messages.
    var failure: String { lock.withLock { lastFailure } }
}
