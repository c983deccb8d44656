import Foundation
import Testing

/// `daemon pause` / `unpause` / `status` on a real cluster: the pause flag lives in the metadata
/// on the primary, replicates to every node, and survives restarts.
@Suite("Daemon control", .serialized)
struct DaemonControlTests {
    @Test("pause and unpause are cluster-wide and persistent; status shows every node")
    func pauseUnpause() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)

        let pause = try await cluster.pgwarden(node: 2, ["daemon", "pause"])
        #expect(pause.exitCode == 0, "\(pause)")
        #expect(pause.stderr.contains("NOTICE: node 1 (node1) paused"))
        #expect(pause.stderr.contains("NOTICE: node 2 (node2) paused"))

        try cluster.server(2).stop()
        try cluster.server(2).start()
        let status = try await cluster.pgwarden(node: 2, ["service", "status"])
        #expect(status.exitCode == 0, "\(status)")
        #expect(
            status.stdout.contains(
                " ID | Name  | Role    | Status    | Upstream | pgwarden    | PID | Paused? | Upstream last seen"))
        #expect(
            status.stdout.contains(" 2  | node2 | standby |   running | node1    | not running | n/a | yes     | n/a"))
        let csv = try await cluster.pgwarden(node: 1, ["daemon", "status", "--csv"])
        #expect(csv.stdout.contains("1,node1,primary,1,0,-1,1,100,-1,default"))

        let unpause = try await cluster.pgwarden(node: 1, ["daemon", "unpause"])
        #expect(unpause.exitCode == 0)
        try await Polling.until("unpause to replicate to node2", timeout: .seconds(10)) {
            (try? cluster.server(2).psql("SELECT bool_or(paused) FROM repmgr.pgwarden_daemon"))?.hasPrefix("f") == true
        }
    }
}
