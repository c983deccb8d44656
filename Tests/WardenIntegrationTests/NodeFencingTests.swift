import Foundation
import Testing
import WardenEngine

/// `node fence` / `node unfence` on real servers: node1 primary, node2 streaming from it.
@Suite("Node fencing", .serialized)
struct NodeFencingTests {
    /// node1 primary and node2 streaming from it; `extra` goes into node1.conf (the one the commands run with).
    static func twoNodes(extra: String = "") async throws -> PgwardenCluster {
        let cluster = try PgwardenCluster()
        do {
            try await cluster.createPrimary()
            try await cluster.addStandby(2, upstream: 1)
            if !extra.isEmpty {
                try cluster.writeConfig(
                    1, port: try cluster.server(1).port, dataDirectory: try cluster.server(1).dataDirectory,
                    extra: extra)
            }
            _ = try await cluster.waitForClusterShow { $0.exitCode == 0 }
        } catch {
            cluster.shutdown()
            throw error
        }
        return cluster
    }

    /// An INSERT into `fence_probe` on the server itself (not through pgwarden): nil when it succeeded,
    /// else psql's error.
    static func insertError(_ server: PostgresServer, _ value: String) throws -> String? {
        let result = try server.runPsql("INSERT INTO fence_probe VALUES ('\(value)')")
        return result.succeeded ? nil : result.stderr
    }

    /// psql's verbose error for an INSERT on the server itself (`ERROR:  25006: ...`), nil when it succeeded.
    static func verboseInsertError(_ server: PostgresServer) throws -> String? {
        let result = try ProcessRunner.run(
            [
                server.bindir + "/psql", "-X", "-q", "-At", "-v", "VERBOSITY=verbose", "-h", PostgresServer.host, "-p",
                String(server.port), "-U", PostgresServer.superuser, "-d", PostgresServer.database, "-c",
                "INSERT INTO fence_probe VALUES ('direct')",
            ],
            asUser: server.serverUser.name)
        return result.succeeded ? nil : result.stderr
    }

    @Test("read_only fence of a standby and of the primary; sessions terminated; survives a restart; unfence")
    func readOnlyFence() async throws {
        let cluster = try await Self.twoNodes()
        defer { cluster.shutdown() }
        let primary = try cluster.server(1)
        let standby = try cluster.server(2)
        _ = try primary.psql("CREATE TABLE fence_probe(v text)")
        #expect(try Self.insertError(primary, "before") == nil)

        // --dry-run changes nothing.
        let dryRun = try await cluster.pgwarden(node: 1, ["node", "fence", "--node-id=1", "--dry-run"])
        #expect(dryRun.exitCode == 0, "\(dryRun)")
        #expect(dryRun.stderr.contains("fencing it stops ALL writes in the cluster"))
        #expect(dryRun.stderr.contains("would set default_transaction_read_only = on on node \"node1\" (ID: 1)"))
        #expect(dryRun.stderr.contains("all prerequisites for \"node fence\" are met"))
        #expect(try primary.psql("SHOW default_transaction_read_only") == "off")
        #expect(try primary.psql("SELECT to_regclass('repmgr.pgwarden_fence') IS NULL") == "t")
        #expect(try Self.insertError(primary, "after-dry-run") == nil)

        // A standby.
        let fenceStandby = try await cluster.pgwarden(node: 1, ["node", "fence", "--node-id=2", "--reason=disk check"])
        #expect(fenceStandby.exitCode == 0, "\(fenceStandby)")
        #expect(fenceStandby.stderr.contains("NODE FENCE successful"))
        #expect(try standby.psql("SHOW default_transaction_read_only") == "on")
        let standbyShown = try await cluster.pgwarden(node: 1, ["cluster", "show"])
        #expect(standbyShown.exitCode == 25)
        #expect(standbyShown.stdout.contains(" 2  | node2 | standby |   running (fenced) | node1 "), "\(standbyShown)")
        #expect(standbyShown.stdout.contains(" 1  | node1 | primary | * running          |"))

        // The primary, with a write transaction open.
        let writer = try await PostgresConnection.connect(try Conninfo(parsing: primary.conninfo))
        try await writer.query("BEGIN")
        try await writer.query("INSERT INTO fence_probe VALUES ('open-transaction')")
        let fencePrimary = try await cluster.pgwarden(node: 1, ["node", "fence"])
        #expect(fencePrimary.exitCode == 0, "\(fencePrimary)")
        #expect(fencePrimary.stderr.contains("WARNING: role: node \"node1\" (ID: 1) is the cluster's PRIMARY"))
        #expect(fencePrimary.stderr.contains("client session(s) terminated"), "\(fencePrimary)")
        await #expect(throws: WardenError.self) { try await writer.query("COMMIT") }
        #expect(try primary.psql("SELECT count(*) FROM fence_probe WHERE v = 'open-transaction'") == "0")
        #expect(
            try Self.insertError(primary, "fenced")?.contains("cannot execute INSERT in a read-only transaction")
                == true)
        #expect(try Self.verboseInsertError(primary)?.contains("ERROR:  25006: cannot execute INSERT") == true)

        let shown = try await cluster.pgwarden(node: 2, ["cluster", "show"])
        #expect(shown.exitCode == 25)
        #expect(shown.stdout.contains(" 1  | node1 | primary | * running (fenced) |"), "\(shown)")
        #expect(
            shown.stderr.contains("node \"node1\" (ID: 1) is fenced (read-only: default_transaction_read_only=on)"))
        let json = try await cluster.pgwarden(node: 1, ["cluster", "show", "--json"])
        #expect(json.stdout.contains("\"fenced\" : true"))
        #expect(json.stdout.contains("\"fenceReason\" : \"disk check\""))
        let status = try await cluster.pgwarden(node: 1, ["node", "status"])
        #expect(
            status.stdout.contains("\tFenced: yes (read-only: default_transaction_read_only=on; reason: manual fence)")
        )
        #expect(status.exitCode == 25)
        let events = try await cluster.pgwarden(node: 1, ["cluster", "events", "--event=node_fence"])
        #expect(events.stdout.contains("node \"node1\" (ID: 1) fenced: read-only"), "\(events)")
        #expect(events.stdout.contains("node \"node2\" (ID: 2) fenced: read-only"))

        // Still fenced after a restart: the setting is in postgresql.auto.conf.
        try primary.stop()
        try primary.start()
        #expect(try Self.insertError(primary, "after-restart")?.contains("read-only transaction") == true)

        // Unfence.
        let unfenceDryRun = try await cluster.pgwarden(node: 1, ["node", "unfence", "--dry-run"])
        #expect(unfenceDryRun.exitCode == 0, "\(unfenceDryRun)")
        #expect(try Self.insertError(primary, "unfence-dry-run") != nil)
        let unfence = try await cluster.pgwarden(node: 1, ["node", "unfence"])
        #expect(unfence.exitCode == 0, "\(unfence)")
        #expect(unfence.stderr.contains("NODE UNFENCE successful"))
        #expect(try Self.insertError(primary, "unfenced") == nil)
        let unfenceStandby = try await cluster.pgwarden(node: 2, ["node", "unfence"])
        #expect(unfenceStandby.exitCode == 0, "\(unfenceStandby)")
        #expect(try standby.psql("SHOW default_transaction_read_only") == "off")
        let again = try await cluster.pgwarden(node: 1, ["node", "unfence", "--node-id=2"])
        #expect(again.exitCode == 0)
        #expect(again.stderr.contains("is not fenced: nothing to do"))
        let clean = try await cluster.waitForClusterShow { $0.exitCode == 0 }
        #expect(!clean.stdout.contains("fenced"))
        let unfenceEvents = try await cluster.pgwarden(node: 1, ["cluster", "events", "--event=node_unfence"])
        #expect(unfenceEvents.stdout.contains("node \"node1\" (ID: 1) unfenced: default_transaction_read_only reset"))
    }

    @Test("fence_mode=stop stops the server; unfence marks it only and says how to start it")
    func stopFence() async throws {
        let cluster = try await Self.twoNodes(extra: "fence_mode=stop")
        defer { cluster.shutdown() }
        let standby = try cluster.server(2)
        let fence = try await cluster.pgwarden(node: 1, ["node", "fence", "--node-id=2"])
        #expect(fence.exitCode == 0, "\(fence)")
        #expect(fence.stderr.contains("server stopped"))
        try Polling.until("node2 to stop", timeout: .seconds(30)) { !standby.isRunning }
        let shown = try await cluster.pgwarden(node: 1, ["cluster", "show"])
        #expect(shown.stdout.contains(" 2  | node2 | standby | ? unreachable (fenced) |"), "\(shown)")

        let unfence = try await cluster.pgwarden(node: 1, ["node", "unfence", "--node-id=2"])
        #expect(unfence.exitCode == 0, "\(unfence)")
        #expect(unfence.stderr.contains("node service --action=start"))
        #expect(!standby.isRunning)
        try standby.start()
        _ = try await cluster.waitForClusterShow { $0.exitCode == 0 }
    }

    @Test("fence_command with a hostile node name runs only the intended command; an unreachable node is recorded")
    func fenceCommand() async throws {
        let cluster = try await Self.twoNodes()
        defer { cluster.shutdown() }
        let marker = cluster.sandbox.subpath("fence-marker")
        let evil = cluster.sandbox.subpath("pwned")
        try cluster.writeConfig(
            1, port: try cluster.server(1).port, dataDirectory: try cluster.server(1).dataDirectory,
            extra: """
                fence_command='echo %n %a %p %t > \(marker)'
                unfence_command='echo %n %a > \(marker).unfence'
                event_notification_command='echo %e %n %s >> \(marker).events'
                """)
        let hostile = "x'; touch \(evil); echo '$(touch \(evil)2)`touch \(evil)3`"
        _ = try cluster.server(1).psql(
            """
            INSERT INTO repmgr.nodes (node_id, upstream_node_id, active, node_name, type, conninfo, repluser, config_file)
            VALUES (5, 1, true, $name$\(hostile)$name$, 'standby',
                    'host=127.0.0.1 port=1 user=repmgr dbname=repmgr connect_timeout=2', 'repmgr', '')
            """)

        let fence = try await cluster.pgwarden(node: 1, ["node", "fence", "--node-id=5"])
        #expect(fence.exitCode == 0, "\(fence)")
        #expect(fence.stderr.contains("is unreachable"))
        let written = try String(contentsOfFile: marker, encoding: .utf8)
        #expect(written == "5 \(hostile) 1 1\n")
        for path in [evil, evil + "2", evil + "3"] {
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) exists")
        }
        let shown = try await cluster.pgwarden(node: 1, ["cluster", "show"])
        #expect(shown.stdout.contains("| ? unreachable (fenced) |"), "\(shown)")
        #expect(try cluster.server(2).psql("SELECT mode FROM repmgr.pgwarden_fence WHERE node_id = 5") == "command")

        let unfence = try await cluster.pgwarden(node: 1, ["node", "unfence", "--node-id=5"])
        #expect(unfence.exitCode == 0, "\(unfence)")
        #expect(try String(contentsOfFile: marker + ".unfence", encoding: .utf8) == "5 \(hostile)\n")
        #expect(try cluster.server(1).psql("SELECT fenced FROM repmgr.pgwarden_fence WHERE node_id = 5") == "f")
        #expect(try String(contentsOfFile: marker + ".events", encoding: .utf8) == "node_fence 5 1\nnode_unfence 5 1\n")
        for path in [evil, evil + "2", evil + "3"] {
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) exists")
        }
    }

    @Test("a fenced standby is no promotion candidate: the daemons promote the other one, standby promote refuses")
    func fencedStandbyIsNotPromoted() async throws {
        let (cluster, daemons) = try await DaemonFailoverTests.clusterWithDaemons()
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            cluster.shutdown()
        }
        try await DaemonFailoverTests.waitForDaemons(cluster)
        _ = try await cluster.pgwarden(node: 1, ["node", "fence", "--node-id", "2"]).check()
        let refused = try await cluster.pgwarden(node: 2, ["standby", "promote", "--dry-run"])
        #expect(refused.exitCode != 0, "\(refused)")
        #expect(refused.output.contains("is fenced"), "\(refused)")
        // Node2 would win a tie (same LSN and priority, lower node ID) if it were a candidate.
        try await Task.sleep(for: .seconds(3))
        try cluster.server(1).kill9()
        do {
            try await Polling.until("node3 to be promoted", timeout: .seconds(30)) {
                DaemonFailoverTests.writableStandbys(cluster, among: [3]) == [3]
            }
        } catch {
            Issue.record("daemon output:\n\(daemons.map { $0.output() }.joined(separator: "\n---\n"))")
            throw error
        }
        #expect(try cluster.server(2).psql("SELECT pg_is_in_recovery()") == "t")
    }
}
