import Foundation
import Testing

/// Issue 18, finding 10: command-line mistakes that gave a misleading message now give one clear
/// message naming the bad verb or value, and exit code 1 (repmgr's ERR_BAD_CONFIG).
@Suite("Command-line errors", .serialized)
struct CommandLineErrorTests {
    @Test("an unknown verb is named as such, wherever the global options stand")
    func unknownVerb() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        let config = try cluster.writeConfig(1, port: 5432, dataDirectory: cluster.sandbox.subpath("node1"))

        let root = try await cluster.pgwarden(["-f", config, "frobnicate"])
        #expect(root.exitCode == 1, "\(root)")
        #expect(root.stderr.hasPrefix("ERROR: unknown command \"frobnicate\"\n"), "\(root)")
        #expect(root.stderr.contains("HINT: \"pgwarden\" has: primary, standby, witness, cluster, node, daemon"))
        #expect(!root.stderr.contains("Unknown option"), "\(root)")

        let action = try await cluster.pgwarden(["-f", config, "cluster", "frobnicate"])
        #expect(action.exitCode == 1, "\(action)")
        #expect(action.stderr.hasPrefix("ERROR: unknown pgwarden cluster command \"frobnicate\"\n"), "\(action)")
        #expect(action.stderr.contains("HINT: \"pgwarden cluster\" has: show, events, matrix, crosscheck, cleanup"))
        #expect(!action.stderr.contains("Unknown option"), "\(action)")

        let after = try await cluster.pgwarden(["daemon", "frobnicate", "-f", config])
        #expect(after.exitCode == 1, "\(after)")
        #expect(after.stderr.hasPrefix("ERROR: unknown pgwarden daemon command \"frobnicate\"\n"), "\(after)")

        // Known verbs and aliases still parse; a bad option of a known command keeps the parser's message.
        let help = try await cluster.pgwarden(["-f", config, "service", "status", "--help"])
        #expect(help.exitCode == 0, "\(help)")
        let badOption = try await cluster.pgwarden(["-f", config, "cluster", "show", "--frobnicate"])
        #expect(badOption.exitCode == 1, "\(badOption)")
        #expect(badOption.stderr.contains("Unknown option '--frobnicate'"), "\(badOption)")
    }

    @Test("node IDs out of range or negative are named as bad values before any query runs")
    func badNodeIDs() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        let range = "a node ID is a whole number from 1 to 2147483647"

        let runs: [(arguments: [String], value: String)] = [
            (["cluster", "events", "--node-id", "-1"], "-1"),
            (["cluster", "events", "--node-id=-1"], "-1"),
            (["cluster", "events", "--node-id=2147483648"], "2147483648"),
            (["standby", "follow", "--upstream-node-id=2147483648"], "2147483648"),
            (["standby", "follow", "--upstream-node-id", "-5", "--dry-run"], "-5"),
            (["standby", "register", "--upstream-node-id=2147483648"], "2147483648"),
            (["standby", "unregister", "--node-id", "0"], "0"),
            (["node", "fence", "--node-id", "99999999999999999999"], "99999999999999999999"),
            (["cluster", "cleanup", "--node-id", "x"], "x"),
        ]
        for run in runs {
            let result = try await cluster.pgwarden(node: 2, run.arguments)
            #expect(result.exitCode == 1, "\(run.arguments): \(result)")
            #expect(
                result.stderr.hasPrefix("Error: The value '\(run.value)' is invalid for '--"),
                "\(run.arguments): \(result)")
            #expect(result.stderr.contains("-node-id <"), "\(run.arguments): \(result)")
            #expect(result.stderr.contains(">': \(range)\n"), "\(run.arguments): \(result)")
            #expect(!result.stderr.contains("Missing value"), "\(run.arguments): \(result)")
            #expect(!result.output.contains("out of range"), "\(run.arguments): \(result)")
        }
        // The standby still follows node1 and valid IDs still work.
        let events = try await cluster.pgwarden(node: 2, ["cluster", "events", "--node-id", "2"])
        #expect(events.exitCode == 0, "\(events)")
        #expect(events.stdout.contains("standby_register"), "\(events)")
        let limit = try await cluster.pgwarden(node: 2, ["cluster", "events", "--limit", "-1"])
        #expect(limit.exitCode == 1, "\(limit)")
        #expect(limit.stderr.contains("--limit must be a positive number (got -1)"), "\(limit)")
    }
}
