import Foundation
import WardenEngine

/// A client that writes one row every `interval` to one server, through the server's unix socket
/// (so it keeps writing when the server's network is cut), and records when each write was
/// acknowledged. `newConnectionPerWrite` opens a fresh session for every INSERT; otherwise it keeps
/// one session (opening a new one when it breaks) and before every write tries to undo a read-only
/// fence with `SET default_transaction_read_only = off`, as a client that means to write would.
final class AcknowledgedWriter: @unchecked Sendable {
    let label: String
    private let conninfo: Conninfo
    private let newConnectionPerWrite: Bool
    private let interval: Duration
    private let lock = NSLock()
    private var acknowledged: [ContinuousClock.Instant] = []
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
    static let insert = "INSERT INTO public.acknowledged_writes (writer) VALUES ($1)"

    /// The table the writers insert into.
    static let createTable = "CREATE TABLE public.acknowledged_writes (writer text, at timestamptz DEFAULT now())"

    func start() {
        let label = self.label
        task = Task.detached { [self] in
            var session: PostgresConnection?
            while !Task.isCancelled {
                do throws(WardenError) {
                    if session == nil || newConnectionPerWrite {
                        session = try await PostgresConnection.connect(conninfo, timeout: .seconds(1))
                    }
                    guard let connection = session else { continue }
                    if !newConnectionPerWrite {
                        try await connection.query("SET default_transaction_read_only = off", timeout: .seconds(1))
                    }
                    try await connection.query(Self.insert, [label], timeout: .seconds(1))
                    let now = ContinuousClock.now
                    lock.withLock { acknowledged.append(now) }
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
    var acknowledgements: [ContinuousClock.Instant] { lock.withLock { acknowledged } }

    /// The latest failure, for messages.
    var failure: String { lock.withLock { lastFailure } }
}
