import Foundation
import WardenEngine

/// `pgwarden-write-prober --returning SECONDS CONNINFO`: an application that keeps writing
/// directly to a failed primary while someone restarts it. Every 10 ms it connects if needed (1 s
/// deadline) and inserts into `write_probe`. Prints how many writes the server accepted, when it
/// first accepted a connection, and how long after that it first refused a write as read-only
/// (SQLSTATE 25006: a standby, or a fenced primary).
enum ReturningPrimaryProbe {
    static func run(_ arguments: [String]) async -> Never {
        guard arguments.count == 2, let duration = Double(arguments[0]),
            let conninfo = try? Conninfo(parsing: arguments[1])
        else {
            FileHandle.standardError.write(Data("usage: pgwarden-write-prober --returning SECONDS CONNINFO\n".utf8))
            exit(1)
        }
        let clock = ContinuousClock()
        let start = clock.now
        var connection: PostgresConnection?
        var firstConnection: ContinuousClock.Instant?
        var firstRefusal: ContinuousClock.Instant?
        var accepted = 0
        var acceptedAfterRefusal = 0
        var sequence = 0
        while clock.now - start < .milliseconds(Int64(duration * 1000)) {
            let tick = clock.now
            sequence += 1
            do {
                if connection == nil {
                    connection = try await PostgresConnection.connect(conninfo, timeout: .seconds(1))
                    if firstConnection == nil { firstConnection = clock.now }
                }
                if let connection {
                    try await connection.query(
                        "INSERT INTO write_probe (seq) VALUES ($1)", [String(-sequence)], timeout: .seconds(2))
                    accepted += 1
                    if firstRefusal != nil { acceptedAfterRefusal += 1 }
                }
            } catch {
                if error.message.contains("read-only transaction"), firstRefusal == nil { firstRefusal = clock.now }
                if connection?.isBroken ?? true { connection = nil }
            }
            let elapsed = clock.now - tick
            if elapsed < .milliseconds(10) { try? await Task.sleep(for: .milliseconds(10) - elapsed) }
        }
        print("writes accepted: \(accepted) (after the first refusal: \(acceptedAfterRefusal))")
        if let firstConnection, let firstRefusal {
            let wait = firstRefusal - firstConnection
            let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
            print(String(format: "refused writes %.3f s after the first accepted connection", seconds))
        } else {
            print(firstConnection == nil ? "the server never accepted a connection" : "never refused a write")
        }
        exit(0)
    }
}
