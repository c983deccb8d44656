import Foundation
import Testing

/// `daemon pause --dry-run` prints the engine's plan (the same one the dashboard's `P` key
/// confirms) and changes nothing.
@Suite("Daemon pause dry run", .serialized)
struct DaemonPauseDryRunTests {
    @Test("the plan lists the primary and every node's flag; nothing is paused")
    func dryRun() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)

        let plan = try await cluster.pgwarden(node: 2, ["daemon", "pause", "--dry-run"])
        #expect(plan.exitCode == 0, "\(plan)")
        #expect(plan.stderr.contains("INFO: primary: node1 is reachable and not in recovery"), "\(plan)")
        #expect(plan.stderr.contains("INFO: node 2 (node2): not paused, no daemon has reported"), "\(plan)")
        #expect(plan.stderr.contains("INFO: would pause the daemons of 2 nodes: node1, node2"), "\(plan)")
        #expect(!plan.stderr.contains("NOTICE"))

        let pause = try await cluster.pgwarden(node: 1, ["daemon", "pause"])
        #expect(pause.exitCode == 0, "\(pause)")
        let again = try await cluster.pgwarden(node: 1, ["daemon", "pause", "--dry-run"])
        #expect(again.stderr.contains("WARNING: node 1 (node1): node1 is already paused"), "\(again)")
    }
}
