import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A real network partition: primary, two standbys and a witness, each in its own network namespace on a
/// private switch, each with its daemon. Only the link between node2 and the primary is cut. With
/// `primary_visibility_consensus`, node2's daemon notices the loss but must not promote, because node3 and
/// the witness still see the primary; once the link is back it reconnects and streams again.
@Suite("Daemon partition", .serialized)
struct DaemonPartitionTests {
    static let daemonSettings = """
        failover=automatic
        reconnect_attempts=2
        reconnect_interval=1
        monitor_interval_secs=1
        primary_visibility_consensus=true
        election_rerun_interval=3
        """

    @Test(
        "primary_visibility_consensus: a standby that alone loses the primary does not promote, and reconnects",
        .enabled(if: geteuid() == 0, "network namespaces need root"))
    func isolatedStandbyKeepsThePrimary() async throws {
        let notifications = "/tmp/pgwarden-notify-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: notifications) }
        let settings = Self.daemonSettings + "\nevent_notification_command='echo %n %e >> \(notifications)'"

        let cluster = try NamespacedCluster()
        defer { cluster.shutdown() }
        try await cluster.startWithDaemons(extra: settings)
        let term = try #require(cluster.query(1, "SELECT term FROM repmgr.voting_term"))
        let marker = "before the cut"
        _ = try cluster.server(1).psql(
            "CREATE TABLE partition_probe (note text); INSERT INTO partition_probe VALUES ('\(marker)')")

        // Cut node2 <-> node1 only: node2 still reaches node3 and the witness, and they reach the primary.
        let daemon2 = try cluster.daemon(2)
        let logBeforeCut = daemon2.output().count
        try cluster.network.cut(NamespacedCluster.label(2), NamespacedCluster.label(1))
        #expect(try cluster.namespace(2).run(["true"]).succeeded)
        func events() -> String { (try? String(contentsOfFile: notifications, encoding: .utf8)) ?? "" }
        func node2LogSinceCut() -> String { String(daemon2.output().dropFirst(logBeforeCut)) }
        do {
            try await Polling.until("node2's daemon to decide against failover", timeout: .seconds(30)) {
                node2LogSinceCut().contains("primary_visibility_consensus is on")
            }
        } catch {
            Issue.record("node2's daemon:\n\(node2LogSinceCut())")
            throw error
        }
        // Leave it cut for longer than election_rerun_interval: the reruns must not promote either.
        try await Task.sleep(for: .seconds(5))
        let log = node2LogSinceCut()
        #expect(log.contains("unable to connect to upstream node \"node1\" (ID: 1)"), "\(log)")
        #expect(log.contains("still see the primary and primary_visibility_consensus is on"), "\(log)")
        #expect(!log.contains("will now promote itself"), "\(log)")
        #expect(!events().contains("repmgrd_failover_promote"), "\(events())")
        #expect(cluster.query(2, "SELECT pg_is_in_recovery()") == "t", "node2 must still be a standby")
        #expect(cluster.query(3, "SELECT pg_is_in_recovery()") == "t", "node3 must still be a standby")
        #expect(cluster.query(1, "SELECT pg_is_in_recovery()") == "f", "node1 must still be the primary")
        #expect(cluster.query(1, "SELECT term FROM repmgr.voting_term") == term, "the voting term changed")
        #expect(
            cluster.query(
                1, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'node3' AND state = 'streaming'")
                == "1")
        #expect(
            cluster.query(1, "SELECT state FROM repmgr.pgwarden_daemon WHERE node_id = 3") == "monitoring",
            "node3's daemon must keep monitoring the primary")
        for node in 1...4 { #expect(try cluster.daemon(node).isRunning, "daemon \(node) exited") }

        // Heal: node2's daemon reconnects, and node2 streams again (a row written now reaches it).
        try cluster.network.heal()
        do {
            // Events go to the primary first and then to the notification command; node2's ones from the
            // cut may only get through now.
            try await Polling.until("node2's repmgrd_upstream_disconnect and _reconnect", timeout: .seconds(20)) {
                events().contains("2 repmgrd_upstream_disconnect") && events().contains("2 repmgrd_upstream_reconnect")
            }
            _ = try cluster.server(1).psql("INSERT INTO partition_probe VALUES ('after the heal')")
            try await Polling.until("node2 to stream from node1 again", timeout: .seconds(40)) {
                cluster.query(2, "SELECT count(*) FROM partition_probe WHERE note = 'after the heal'") == "1"
                    && cluster.query(2, "SELECT status FROM pg_stat_wal_receiver") == "streaming"
            }
        } catch {
            Issue.record("node2's daemon:\n\(node2LogSinceCut())\nevents:\n\(events())")
            throw error
        }
        // The decision reaches the primary's status table with node2's next heartbeat.
        try await Polling.until("node2's explanation on the primary", timeout: .seconds(10)) {
            (cluster.query(1, "SELECT explanation FROM repmgr.pgwarden_daemon WHERE node_id = 2") ?? "")
                .contains("primary_visibility_consensus is on")
        }
        let explanation = cluster.query(1, "SELECT explanation FROM repmgr.pgwarden_daemon WHERE node_id = 2") ?? ""
        #expect(explanation.contains("node3"), "\(explanation)")
        // `daemon status --explain` shows the same decision in plain words.
        let explained = try await cluster.pgwarden(node: 1, ["daemon", "status", "--explain"])
        #expect(explained.output.contains("Latest failover decision of node \"node2\""), "\(explained)")
        #expect(explained.output.contains("primary_visibility_consensus is on"), "\(explained)")
        #expect(cluster.query(1, "SELECT term FROM repmgr.voting_term") == term)
        do {
            try await Polling.until("node2's daemon to report normal monitoring", timeout: .seconds(10)) {
                cluster.query(1, "SELECT state FROM repmgr.pgwarden_daemon WHERE node_id = 2") == "monitoring"
            }
        } catch {
            Issue.record("node2's daemon:\n\(node2LogSinceCut())\nevents:\n\(events())")
            throw error
        }
    }
}
