import Foundation
import Synchronization
import WardenEngine

/// An application writing through pgbouncer: every `interval` it inserts the next id into `pooler_probe`
/// (one libpq connection, replaced when it breaks) and notes, for each acknowledged insert, which server
/// port took it (`RETURNING inet_server_port()`), each failure, and the longest time between two
/// acknowledged inserts (the stall a client saw).
final class PoolerWriter: Sendable {
    /// One acknowledged insert.
    struct Write: Sendable {
        let id: Int
        let serverPort: Int
        let at: ContinuousClock.Instant
    }

    /// What the writer saw.
    struct Tally: Sendable {
        var writes: [Write] = []
        var failures: [(id: Int, at: ContinuousClock.Instant, message: String)] = []
        var longestStall: Duration = .zero
        var lastSuccess: ContinuousClock.Instant
        var nextID = 1
    }

    static let createTable =
        "CREATE TABLE IF NOT EXISTS pooler_probe (id int PRIMARY KEY, at timestamptz DEFAULT now())"

    let conninfo: Conninfo
    let interval: Duration
    private let state: Mutex<Tally>
    private let stopping = Atomic<Bool>(false)
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(conninfo: String, interval: Duration = .milliseconds(20)) throws {
        self.conninfo = try Conninfo(parsing: conninfo)
        self.interval = interval
        state = Mutex(Tally(lastSuccess: .now))
    }

    /// Starts the loop in the background.
    func start() {
        state.withLock { $0.lastSuccess = .now }
        let loop = Task.detached { [self] in await run() }
        task.withLock { $0 = loop }
    }

    /// Stops the loop and returns everything it saw.
    @discardableResult
    func stop() async -> Tally {
        stopping.store(true, ordering: .relaxed)
        let loop = task.withLock { $0 }
        await loop?.value
        return state.withLock { tally in
            tally.longestStall = max(tally.longestStall, ContinuousClock.now - tally.lastSuccess)
            return tally
        }
    }

    /// A snapshot while it runs.
    var tally: Tally { state.withLock { $0 } }

    /// Waits until `count` writes went through; on timeout the error names the last failures seen.
    func waitForWrites(_ count: Int, timeout: Duration = .seconds(20)) async throws {
        do {
            try await Polling.until("\(count) writes through \(conninfo)", timeout: timeout) {
                tally.writes.count >= count
            }
        } catch {
            let failures = tally.failures.suffix(3).map { "\($0.id): \($0.message)" }.joined(separator: "\n")
            throw HarnessError("\(error)\nlast failed writes:\n\(failures)")
        }
    }

    private func run() async {
        var connection: PostgresConnection?
        while !stopping.load(ordering: .relaxed) {
            let tick = ContinuousClock.now
            let id = state.withLock { tally in
                defer { tally.nextID += 1 }
                return tally.nextID
            }
            do {
                if connection == nil {
                    connection = try await PostgresConnection.connect(conninfo, timeout: .seconds(2))
                }
                if let connection {
                    let result = try await connection.query(
                        "INSERT INTO pooler_probe (id) VALUES ($1) RETURNING inet_server_port() AS port", [String(id)],
                        timeout: .seconds(10))
                    let now = ContinuousClock.now
                    state.withLock { tally in
                        tally.writes.append(Write(id: id, serverPort: result.first?.int("port") ?? 0, at: now))
                        tally.longestStall = max(tally.longestStall, now - tally.lastSuccess)
                        tally.lastSuccess = now
                    }
                }
            } catch {
                let now = ContinuousClock.now
                state.withLock { $0.failures.append((id, now, error.message)) }
                if connection?.isBroken ?? true { connection = nil }
            }
            let elapsed = ContinuousClock.now - tick
            if elapsed < interval { try? await Task.sleep(for: interval - elapsed) }
        }
    }
}
