import Foundation
import Testing

/// Issue 18, finding 9, as it was seen: a `location` and an event's details holding ESC sequences
/// (and a daemon explanation holding them) were written raw by `cluster show`, `cluster events`
/// and `daemon status --detail`. Every output of those commands now carries no control character
/// but line breaks and tabs (pgwarden's own layout), and the rest of each value is still there.
@Suite("Terminal escapes from metadata", .serialized)
struct TerminalEscapeTests {
    @Test("cluster show, cluster events and daemon status print metadata without terminal controls")
    func escapesInMetadata() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        _ = try await cluster.pgwarden(node: 1, ["daemon", "pause"]).check()
        _ = try await cluster.pgwarden(node: 1, ["daemon", "unpause"]).check()
        let primary = try cluster.server(1)
        _ = try primary.psql(
            "UPDATE repmgr.nodes SET location = E'dc1\\x1b[2J\\x1b]0;pwned\\x07\\r' || chr(155) || '6n' WHERE node_id = 2"
        )
        _ = try primary.psql(
            """
            INSERT INTO repmgr.events (node_id, event, successful, details)
            VALUES (2, E'odd\\x1bevent', true, E'bad \\x1b[31mred\\x1b[0m\\nsecond line\\tend')
            """)
        _ = try primary.psql(
            """
            UPDATE repmgr.pgwarden_daemon SET state = E'mon\\x1b[5mitoring', explanation = E'saw \\x1b[1mnothing\\x1b[0m\\nline two\\r'
             WHERE node_id = 2
            """)

        let runs: [[String]] = [
            ["cluster", "show"], ["cluster", "show", "--compact"], ["cluster", "show", "--csv"],
            ["cluster", "events"], ["cluster", "events", "--csv"], ["daemon", "status", "--detail"],
            ["daemon", "status", "--csv"], ["daemon", "status", "--explain"],
        ]
        var outputs: [String: CommandResult] = [:]
        for arguments in runs {
            let result = try await cluster.pgwarden(node: 1, arguments)
            #expect(result.exitCode == 0, "\(result)")
            let controls = result.output.unicodeScalars.filter {
                $0 != "\n" && $0 != "\t" && $0.properties.generalCategory == .control
            }
            #expect(controls.isEmpty, "\(arguments): \(controls.map { String($0.value, radix: 16) }) in \(result)")
            outputs[arguments.joined(separator: " ")] = result
        }
        let location = "dc1 [2J ]0;pwned   6n"
        #expect(outputs["cluster show"]?.stdout.contains("| \(location) |") == true)
        #expect(outputs["cluster show --compact"]?.stdout.contains("| \(location) |") == true)
        #expect(outputs["cluster events"]?.stdout.contains("| odd event ") == true)
        #expect(outputs["cluster events"]?.stdout.contains("| bad  [31mred [0m second line end") == true)
        #expect(outputs["cluster events --csv"]?.stdout.contains("2,node2,odd event,t,") == true)
        #expect(outputs["daemon status --detail"]?.stdout.contains("| \(location) |") == true)
        #expect(outputs["daemon status --csv"]?.stdout.contains(",\(location)\n") == true)
        let explain = outputs["daemon status --explain"]?.stdout ?? ""
        #expect(explain.contains("(daemon state: mon [5mitoring):\n  saw  [1mnothing [0m\n  line two \n"), "\(explain)")
        // Each table row is still one line: node2's row in cluster show ends with its conninfo.
        let row = outputs["cluster show"]?.stdout.split(separator: "\n").first { $0.hasPrefix(" 2 ") } ?? ""
        #expect(row.hasSuffix("connect_timeout=2"), "\(row)")
    }
}
