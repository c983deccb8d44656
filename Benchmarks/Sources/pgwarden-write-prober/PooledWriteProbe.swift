import Foundation
import WardenEngine

/// `pgwarden-write-prober --pooled SECONDS CONNINFO [INTERVAL_MS]`: one application client writing
/// through a pooler (pgbouncer). Every INTERVAL_MS (default 20) it inserts the next number into
/// `write_probe` over a single connection (replaced when it breaks); an insert may wait up to 10 s,
/// as a client held by pgbouncer's PAUSE does. Prints the writes that succeeded and failed and the
/// longest time between two successful writes: the stall the client saw.
enum PooledWriteProbe {
    static func run(_ arguments: [String]) async -> Never {
        guard arguments.count >= 2, let duration = Double(arguments[0]),
            let conninfo = try? Conninfo(parsing: arguments[1])
        else {
            FileHandle.standardError.write(
                Data("usage: pgwarden-write-prober --pooled SECONDS CONNINFO [INTERVAL_MS]\n".utf8))
            exit(1)
        }
        let interval = Duration.milliseconds(arguments.count > 2 ? Int(arguments[2]) ?? 20 : 20)
        var connection: PostgresConnection?
        if let setup = try? await PostgresConnection.connect(conninfo, timeout: .seconds(2)) {
            _ = try? await setup.query(
                "CREATE TABLE IF NOT EXISTS write_probe (seq int, at timestamptz DEFAULT now())")
        }
        let clock = ContinuousClock()
        let start = clock.now
        var lastSuccess = start
        var longestStall: Duration = .zero
        var succeeded = 0
        var failed: [String] = []
        var sequence = 0
        while clock.now - start < .milliseconds(Int64(duration * 1000)) {
            let tick = clock.now
            sequence += 1
            do {
                if connection == nil {
                    connection = try await PostgresConnection.connect(conninfo, timeout: .seconds(2))
                }
                if let connection {
                    try await connection.query(
                        "INSERT INTO write_probe (seq) VALUES ($1)", [String(sequence)], timeout: .seconds(10))
                    succeeded += 1
                    longestStall = max(longestStall, clock.now - lastSuccess)
                    lastSuccess = clock.now
                }
            } catch {
                failed.append(error.message)
                if connection?.isBroken ?? true { connection = nil }
            }
            let elapsed = clock.now - tick
            if elapsed < interval { try? await Task.sleep(for: interval - elapsed) }
        }
        longestStall = max(longestStall, clock.now - lastSuccess)
        let seconds = Double(longestStall.components.seconds) + Double(longestStall.components.attoseconds) / 1e18
        print("writes: \(succeeded) succeeded, \(failed.count) failed")
        print(String(format: "longest write stall: %.3f s", seconds))
        for message in Set(failed).sorted() { print("failure: \(message)") }
        exit(0)
    }
}
