import Foundation
import Testing

/// Promote, follow, switchover and rejoin on real servers: primary node1 with standbys node2
/// and node3, all built with pgwarden's own commands.
@Suite("Topology operations", .serialized)
struct TopologyOperationsTests {
    /// node1 primary, node2 and node3 both streaming from it.
    static func siblings() async throws -> PgwardenCluster {
        let cluster = try PgwardenCluster()
        do {
            try await cluster.createPrimary()
            try await cluster.addStandby(2, upstream: 1)
            try await cluster.addStandby(3, upstream: 1)
        } catch {
            cluster.shutdown()
            throw error
        }
        return cluster
    }

    /// Inserts a row on `writer` and waits until every node in `readers` has it.
    static func assertReplicates(_ cluster: PgwardenCluster, writer: Int, readers: [Int], value: String) async throws {
        _ = try cluster.server(writer).psql(
            "CREATE TABLE IF NOT EXISTS probe(v text); INSERT INTO probe VALUES ('\(value)')")
        for reader in readers {
            try Polling.until("row \(value) on node\(reader)", timeout: .seconds(20)) {
                (try? cluster.server(reader).psql("SELECT count(*) FROM probe WHERE v = '\(value)'"))?.hasPrefix("1")
                    == true
            }
        }
    }

    @Test("switchover with --siblings-follow and back, without SSH; the witness copy follows")
    func switchoverAndBack() async throws {
        let cluster = try await Self.siblings()
        defer { cluster.shutdown() }
        let witness = try PostgresServer.startPrimary(in: cluster.sandbox, name: "witness")
        try cluster.writeConfig(4, port: witness.port, dataDirectory: witness.dataDirectory)
        let primaryPort = String(try cluster.server(1).port)
        _ = try await cluster.pgwarden(
            node: 4, ["-h", "127.0.0.1", "-p", primaryPort, "-U", "repmgr", "-d", "repmgr", "witness", "register"]
        ).check()
        _ = try await cluster.waitForClusterShow { $0.exitCode == 0 }

        let onPrimary = try await cluster.pgwarden(node: 1, ["standby", "switchover", "--dry-run"])
        #expect(onPrimary.exitCode == 18)
        #expect(onPrimary.stderr.contains("switchover must be executed from the standby node to be promoted"))

        let dryRun = try await cluster.pgwarden(node: 2, ["standby", "switchover", "--siblings-follow", "--dry-run"])
        #expect(dryRun.exitCode == 0, "\(dryRun)")
        #expect(
            dryRun.stderr.contains("replication: node \"node2\" (ID: 2) streams from primary node \"node1\" (ID: 1)"))
        #expect(dryRun.stderr.contains("sibling: node \"node3\" (ID: 3) is reachable and will follow"))
        #expect(dryRun.stderr.contains("would checkpoint and stop node \"node1\" (ID: 1) cleanly"))
        #expect(dryRun.stderr.contains("all prerequisites for \"standby switchover\" are met"))
        #expect(try cluster.server(1).psql("SELECT pg_is_in_recovery()").hasPrefix("f"))

        let switchover = try await cluster.pgwarden(node: 2, ["standby", "switchover", "--siblings-follow"])
        #expect(switchover.exitCode == 0, "\(switchover)")
        #expect(switchover.stderr.contains("STANDBY SWITCHOVER has completed successfully"))
        let after = try await cluster.waitForClusterShow { $0.exitCode == 0 }
        #expect(after.stdout.contains(" 1  | node1 | standby |   running | node2    "))
        #expect(after.stdout.contains(" 2  | node2 | primary | * running |          "))
        #expect(after.stdout.contains(" 3  | node3 | standby |   running | node2    "))
        #expect(after.stdout.contains("| 2        | host="))
        try await Self.assertReplicates(cluster, writer: 2, readers: [1, 3], value: "after-switchover")
        #expect(try witness.psql("SELECT node_id FROM repmgr.nodes WHERE type = 'primary' AND active").hasPrefix("2"))
        #expect(try cluster.server(1).psql("SELECT term FROM repmgr.voting_term").hasPrefix("2"))
        let events = try await cluster.pgwarden(node: 2, ["cluster", "events", "--event=standby_switchover"])
        #expect(
            events.stdout.contains(
                "node \"node2\" (ID: 2) promoted to primary; node \"node1\" (ID: 1) demoted to standby"))

        let back = try await cluster.pgwarden(node: 1, ["standby", "switchover", "--siblings-follow"])
        #expect(back.exitCode == 0, "\(back)")
        let restored = try await cluster.waitForClusterShow { $0.exitCode == 0 }
        #expect(restored.stdout.contains(" 1  | node1 | primary | * running |          "))
        #expect(restored.stdout.contains(" 2  | node2 | standby |   running | node1    "))
        #expect(restored.stdout.contains(" 3  | node3 | standby |   running | node1    "))
        try await Self.assertReplicates(cluster, writer: 1, readers: [2, 3], value: "after-switchback")
    }

    @Test("refusals: promote on a primary, switchover with critical lag")
    func refusals() async throws {
        let cluster = try await Self.siblings()
        defer { cluster.shutdown() }

        let promotePrimary = try await cluster.pgwarden(node: 1, ["standby", "promote"])
        #expect(promotePrimary.exitCode == 8)
        #expect(promotePrimary.stderr.contains("STANDBY PROMOTE can only be executed on a standby node"))

        let promoteWithPrimary = try await cluster.pgwarden(node: 2, ["standby", "promote", "--dry-run"])
        #expect(promoteWithPrimary.exitCode == 8)
        #expect(promoteWithPrimary.stderr.contains("already has an active primary"))

        let unknownUpstream = try await cluster.pgwarden(
            node: 3, ["standby", "follow", "--upstream-node-id=99", "--dry-run"])
        #expect(unknownUpstream.exitCode == 23)
        #expect(unknownUpstream.stderr.contains("unable to find record for intended upstream node 99"))

        // Lag: pause replay on node3, keep writing, and use a 1 s critical threshold.
        _ = try cluster.server(3).psql("SELECT pg_wal_replay_pause()")
        for index in 0..<6 {
            _ = try cluster.server(1).psql(
                "CREATE TABLE IF NOT EXISTS lagging(i int); INSERT INTO lagging VALUES (\(index))")
            try await Task.sleep(for: .milliseconds(600))
        }
        try cluster.writeConfig(
            3, port: try cluster.server(3).port, dataDirectory: try cluster.server(3).dataDirectory,
            extra: "replication_lag_warning=1\nreplication_lag_critical=2")
        let lagging = try await cluster.pgwarden(node: 3, ["standby", "switchover", "--dry-run"])
        #expect(lagging.exitCode == 18)
        #expect(lagging.stderr.contains("exceeds replication_lag_critical"))
        #expect(lagging.stderr.contains("WAL replay is paused on the candidate"))
        _ = try cluster.server(3).psql("SELECT pg_wal_replay_resume()")
        #expect(try cluster.server(1).psql("SELECT pg_is_in_recovery()").hasPrefix("f"))
    }

    @Test("promote after the primary stops, follow, refuse a diverged follow, rejoin with pg_rewind")
    func promoteFollowRejoin() async throws {
        let cluster = try await Self.siblings()
        defer { cluster.shutdown() }
        _ = try await cluster.waitForClusterShow { $0.exitCode == 0 }

        try cluster.server(1).stop()
        let promote = try await cluster.pgwarden(node: 2, ["standby", "promote"])
        #expect(promote.exitCode == 0, "\(promote)")
        #expect(promote.stderr.contains("STANDBY PROMOTE successful"))
        #expect(try cluster.server(2).psql("SELECT pg_is_in_recovery()").hasPrefix("f"))
        #expect(try cluster.server(2).psql("SELECT term FROM repmgr.voting_term").hasPrefix("2"))

        let follow = try await cluster.pgwarden(node: 3, ["standby", "follow", "--wait"])
        #expect(follow.exitCode == 0, "\(follow)")
        let show = try await cluster.pgwarden(node: 2, ["cluster", "show"])
        #expect(show.stdout.contains(" 1  | node1 | primary | - failed  | ?"))
        #expect(show.stdout.contains(" 2  | node2 | primary | * running |"))
        #expect(show.stdout.contains(" 3  | node3 | standby |   running | node2    "))
        try await Self.assertReplicates(cluster, writer: 2, readers: [3], value: "after-promote")

        // The old primary comes back on its own and takes writes: it has diverged from node2's timeline.
        try cluster.server(1).start()
        _ = try cluster.server(1).psql("CREATE TABLE diverged(i int); INSERT INTO diverged VALUES (1)")
        try cluster.server(1).stop()

        // As a standby, it may not follow node2 (its WAL is past the fork point).
        let data = try cluster.server(1).dataDirectory
        _ = try await ProcessRunner.run(["touch", data + "/standby.signal"], asUser: cluster.sandbox.serverUser.name)
            .check()
        try cluster.server(1).start()
        let refused = try await cluster.pgwarden(node: 1, ["standby", "follow", "--upstream-node-id=2"])
        #expect(refused.exitCode == 23, "\(refused)")
        #expect(refused.stderr.contains("node rejoin --force-rewind"))
        try cluster.server(1).stop()
        #expect(FileManager.default.fileExists(atPath: data))

        let source = ["-d", "host=127.0.0.1 port=\(try cluster.server(2).port) user=repmgr dbname=repmgr"]
        let withoutRewind = try await cluster.pgwarden(node: 1, source + ["node", "rejoin", "--dry-run"])
        #expect(withoutRewind.exitCode == 24)
        #expect(withoutRewind.stderr.contains("cannot attach to node \"node2\" (ID: 2) without pg_rewind"))

        let rejoin = try await cluster.pgwarden(node: 1, source + ["node", "rejoin", "--force-rewind"])
        #expect(rejoin.exitCode == 0, "\(rejoin)")
        #expect(rejoin.stderr.contains("NODE REJOIN successful"))
        let final = try await cluster.pgwarden(node: 2, ["cluster", "show"])
        #expect(final.exitCode == 0, "\(final)")
        #expect(final.stdout.contains(" 1  | node1 | standby |   running | node2    "))
        try await Self.assertReplicates(cluster, writer: 2, readers: [1, 3], value: "after-rejoin")
        #expect(try cluster.server(1).psql("SELECT to_regclass('diverged') IS NULL").hasPrefix("t"))

        // A cascade: node3 follows the standby node1 instead of the primary.
        let cascade = try await cluster.pgwarden(node: 3, ["standby", "follow", "--upstream-node-id=1", "--wait"])
        #expect(cascade.exitCode == 0, "\(cascade)")
        let cascaded = try await cluster.pgwarden(node: 2, ["cluster", "show", "--compact"])
        #expect(cascaded.exitCode == 0, "\(cascaded)")
        #expect(cascaded.stdout.contains(" 3  | node3 | standby |   running | node1    "))
        try await Self.assertReplicates(cluster, writer: 2, readers: [3], value: "through-the-cascade")
    }
}
