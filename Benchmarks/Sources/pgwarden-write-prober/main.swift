import Foundation
import WardenEngine

// pgwarden-write-prober DURATION_SECONDS CONNINFO...
// pgwarden-write-prober --pooled DURATION_SECONDS CONNINFO [INTERVAL_MS]   (see PooledWriteProbe)
// pgwarden-write-prober --returning DURATION_SECONDS CONNINFO   (see ReturningPrimaryProbe)
//
// Benchmark helper: every 50 ms, tries one INSERT on every given node at once (each over its own
// connection, reconnecting with a 1 s deadline when it breaks) and records when a write
// succeeded anywhere. Prints the longest interval without any successful write, and how many
// writes each node accepted.

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--pooled" {
    await PooledWriteProbe.run(Array(arguments.dropFirst()))
}
if arguments.first == "--returning" {
    await ReturningPrimaryProbe.run(Array(arguments.dropFirst()))
}
guard arguments.count >= 2, let duration = Double(arguments[0]) else {
    FileHandle.standardError.write(Data("usage: pgwarden-write-prober SECONDS CONNINFO...\n".utf8))
    exit(1)
}
let conninfos = arguments.dropFirst().compactMap { try? Conninfo(parsing: $0) }

/// One node's connection, replaced when a write fails.
actor NodeWriter {
    let conninfo: Conninfo
    var connection: PostgresConnection?
    var accepted = 0

    init(_ conninfo: Conninfo) { self.conninfo = conninfo }

    func write(_ sequence: Int) async -> Bool {
        do {
            if connection == nil {
                connection = try await PostgresConnection.connect(conninfo, timeout: .seconds(1))
            }
            guard let connection else { return false }
            try await connection.query(
                "INSERT INTO write_probe (seq) VALUES ($1)", [String(sequence)], timeout: .seconds(1))
            accepted += 1
            return true
        } catch {
            // A standby refuses the INSERT but its connection stays usable; replace only broken ones.
            if connection?.isBroken ?? true { connection = nil }
            return false
        }
    }
}

// The table is created once, on whichever node is the primary now.
for conninfo in conninfos {
    if let connection = try? await PostgresConnection.connect(conninfo, timeout: .seconds(1)),
        (try? await connection.query("CREATE TABLE IF NOT EXISTS write_probe (seq int, at timestamptz DEFAULT now())"))
            != nil
    {
        break
    }
}
let writers = conninfos.map(NodeWriter.init)
let clock = ContinuousClock()
let start = clock.now
var lastSuccess = start
var longestGap: Duration = .zero
var sequence = 0
while clock.now - start < .milliseconds(Int64(duration * 1000)) {
    let tick = clock.now
    sequence += 1
    let current = sequence
    let anySucceeded = await withTaskGroup(of: Bool.self) { group in
        for writer in writers { group.addTask { await writer.write(current) } }
        var any = false
        for await result in group where result { any = true }
        return any
    }
    if anySucceeded {
        longestGap = max(longestGap, clock.now - lastSuccess)
        lastSuccess = clock.now
    }
    let elapsed = clock.now - tick
    if elapsed < .milliseconds(50) { try? await Task.sleep(for: .milliseconds(50) - elapsed) }
}
longestGap = max(longestGap, clock.now - lastSuccess)
var counts: [String] = []
for writer in writers { counts.append(String(await writer.accepted)) }
let seconds = Double(longestGap.components.seconds) + Double(longestGap.components.attoseconds) / 1e18
print(String(format: "longest interval without a writable node: %.3f s", seconds))
print("writes accepted per node: \(counts.joined(separator: " "))")
