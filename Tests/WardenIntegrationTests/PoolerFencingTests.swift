import Foundation
import Testing
import WardenEngine

#if canImport(Glibc)
    import Glibc
#endif

/// Built-in pgbouncer fencing on real servers with a real pgbouncer: after `standby promote`, an automatic
/// failover and a switchover, pgbouncer sends clients to the new primary; a switchover holds clients with
/// PAUSE/RESUME so that they wait instead of failing; a pgbouncer that is down never fails a promotion.
@Suite("Pooler fencing", .serialized)
struct PoolerFencingTests {
    /// `pgbouncer_admin_conninfo` and `pgbouncer_databases` for a console on `port`.
    static func poolerSettings(port: Int) -> String {
        """
        pgbouncer_admin_conninfo='host=127.0.0.1 port=\(port) user=repmgr dbname=pgbouncer connect_timeout=2'
        pgbouncer_databases='app'
        """
    }

    /// Creates database `app` with the writer's table on node1 and waits until `standbys` have it.
    static func createApplicationDatabase(_ cluster: PgwardenCluster, standbys: [Int]) async throws {
        let primary = try cluster.server(1)
        try primary.createDatabase("app")
        _ = try primary.psql(PoolerWriter.createTable, database: "app")
        for node in standbys {
            try await Polling.until("the app table on node\(node)", timeout: .seconds(20)) {
                (try? cluster.server(node).psql("SELECT to_regclass('pooler_probe') IS NOT NULL", database: "app"))
                    == "t"
            }
        }
    }

    /// node1 primary, node2 its standby, database `app` pooled by a pgbouncer pointing at node1; node2's
    /// configuration names that pgbouncer.
    static func clusterWithPgBouncer() async throws -> (PgwardenCluster, PgBouncerServer) {
        let cluster = try PgwardenCluster()
        do {
            try await cluster.createPrimary()
            try cluster.server(1).createDatabase("app")
            _ = try cluster.server(1).psql(PoolerWriter.createTable, database: "app")
            try await cluster.addStandby(2, upstream: 1)
            let bouncer = try PgBouncerServer(
                sandbox: cluster.sandbox, databases: [("app", try cluster.server(1), "app")])
            try bouncer.start()
            for node in [1, 2] {
                let server = try cluster.server(node)
                try cluster.writeConfig(
                    node, port: server.port, dataDirectory: server.dataDirectory,
                    extra: poolerSettings(port: bouncer.port))
            }
            return (cluster, bouncer)
        } catch {
            cluster.shutdown()
            throw error
        }
    }

    /// `INSERT ... RETURNING inet_server_port()` through pgbouncer: the port of the server that took the write.
    static func writeThrough(_ bouncer: PgBouncerServer, id: Int) async throws -> Int? {
        let connection = try await PostgresConnection.connect(
            try Conninfo(parsing: bouncer.conninfo(database: "app")), timeout: .seconds(5))
        return try await connection.query(
            "INSERT INTO pooler_probe (id) VALUES ($1) RETURNING inet_server_port() AS port", [String(id)]
        ).first?.int("port")
    }

    @Test("standby promote repoints pgbouncer at the new primary, keeps the rest of its ini, records pooler_repoint")
    func promoteRepoints() async throws {
        let (cluster, bouncer) = try await Self.clusterWithPgBouncer()
        defer {
            bouncer.stop()
            cluster.shutdown()
        }
        let node1 = try cluster.server(1)
        let node2 = try cluster.server(2)
        #expect(try bouncer.target(of: "app")?.address == "127.0.0.1:\(node1.port)")
        #expect(try await Self.writeThrough(bouncer, id: 1) == node1.port)
        try node1.stop()

        let result = try await cluster.pgwarden(node: 2, ["standby", "promote"])
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.output.contains("now pointed at 127.0.0.1:\(node2.port)"), "\(result)")
        #expect(try bouncer.target(of: "app")?.address == "127.0.0.1:\(node2.port)", "\(bouncer.logTail())")
        #expect(try await Self.writeThrough(bouncer, id: 2) == node2.port)

        let ini = bouncer.ini()
        #expect(ini.contains("\napp = host=127.0.0.1 port=\(node2.port) dbname=app pool_size=5\n"), "\(ini)")
        #expect(ini.contains("; the pooled databases; pgwarden rewrites host and port of these lines"))
        #expect(ini.contains("server_login_retry = 1"))
        var status = stat()
        #expect(stat(bouncer.iniPath, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o640)

        let event = try node2.psql(
            "SELECT successful, details FROM repmgr.events WHERE event = 'pooler_repoint' ORDER BY event_timestamp DESC LIMIT 1"
        )
        #expect(event.hasPrefix("t|"), "\(event)")
        #expect(event.contains("pgbouncer 127.0.0.1:\(bouncer.port): app now pointed at 127.0.0.1:\(node2.port)"))
        let promote = try node2.psql("SELECT details FROM repmgr.events WHERE event = 'standby_promote'")
        #expect(promote.contains("pgbouncer repointed: pgbouncer 127.0.0.1:\(bouncer.port)"), "\(promote)")
    }

    @Test("kill -9 of the primary with daemons: pgbouncer follows the new primary, the writer resumes there")
    func failoverRepoints() async throws {
        let bouncerPort = try PortAllocator.allocate()
        let (cluster, daemons) = try await DaemonFailoverTests.clusterWithDaemons(
            extra: Self.poolerSettings(port: bouncerPort))
        var bouncer: PgBouncerServer?
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            bouncer?.stop()
            cluster.shutdown()
        }
        try await Self.createApplicationDatabase(cluster, standbys: [2, 3])
        let pool = try PgBouncerServer(
            sandbox: cluster.sandbox, port: bouncerPort, databases: [("app", try cluster.server(1), "app")])
        bouncer = pool
        try pool.start()
        try await DaemonFailoverTests.waitForDaemons(cluster)

        let writer = try PoolerWriter(conninfo: pool.conninfo(database: "app"))
        writer.start()
        try await writer.waitForWrites(20)
        try cluster.server(1).kill9()
        let firstAfterKill = writer.tally.nextID
        var promoted = 0
        do {
            try await Polling.until("a standby to be promoted", timeout: .seconds(30)) {
                promoted = DaemonFailoverTests.writableStandbys(cluster, among: [2, 3]).first ?? 0
                return promoted != 0
            }
            let newPort = try cluster.server(promoted).port
            try await Polling.until("pgbouncer to point at node\(promoted)", timeout: .seconds(20)) {
                try pool.target(of: "app")?.address == "127.0.0.1:\(newPort)"
            }
            try await Polling.until("the writer to resume", timeout: .seconds(20)) {
                writer.tally.writes.filter { $0.id >= firstAfterKill }.count >= 25
            }
        } catch {
            Issue.record("daemon output:\n\(daemons.map { $0.output() }.joined(separator: "\n---\n"))")
            throw error
        }
        let tally = await writer.stop()
        let newPort = try cluster.server(promoted).port
        let afterKill = tally.writes.filter { $0.id >= firstAfterKill }
        #expect(afterKill.allSatisfy { $0.serverPort == newPort }, "\(afterKill.map(\.serverPort))")
        print(
            "failover through pgbouncer: \(tally.failures.count) failed writes, longest write stall \(tally.longestStall)"
        )
        try await Polling.until("the pooler_repoint event", timeout: .seconds(10)) {
            (try? cluster.server(promoted).psql(
                "SELECT count(*) FROM repmgr.events WHERE event = 'pooler_repoint' AND successful"))?.hasPrefix("1")
                == true
        }

        // The old primary, started again (its daemons stopped), holds no row written after the kill.
        for daemon in daemons { _ = daemon.terminate() }
        try cluster.server(1).start()
        let onOldPrimary = try cluster.server(1).psql(
            "SELECT count(*) FROM pooler_probe WHERE id >= \(firstAfterKill)", database: "app")
        #expect(onOldPrimary == "0")
        let acknowledged = afterKill.map { String($0.id) }.joined(separator: ",")
        let onNewPrimary = try cluster.server(promoted).psql(
            "SELECT count(*) FROM pooler_probe WHERE id IN (\(acknowledged))", database: "app")
        #expect(onNewPrimary == String(afterKill.count))
    }

    @Test("switchover through pgbouncer with PAUSE/RESUME: the writer sees no failed transaction")
    func switchoverWithoutFailedWrites() async throws {
        let (cluster, bouncer) = try await Self.clusterWithPgBouncer()
        defer {
            bouncer.stop()
            cluster.shutdown()
        }
        let node2 = try cluster.server(2)
        let writer = try PoolerWriter(conninfo: bouncer.conninfo(database: "app"))
        writer.start()
        try await writer.waitForWrites(25)
        let result = try await cluster.pgwarden(node: 2, ["standby", "switchover"])
        let firstAfter = writer.tally.nextID
        try await Polling.until("writes after the switchover", timeout: .seconds(10)) {
            writer.tally.writes.filter { $0.id >= firstAfter }.count >= 25
        }
        let tally = await writer.stop()
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.output.contains("paused app"), "\(result)")
        #expect(result.output.contains("resumed app"), "\(result)")
        #expect(tally.failures.isEmpty, "\(tally.failures.map { "\($0.id): \($0.message)" })")
        #expect(tally.writes.filter { $0.id >= firstAfter }.allSatisfy { $0.serverPort == node2.port })
        #expect(try bouncer.target(of: "app")?.address == "127.0.0.1:\(node2.port)")
        #expect(try bouncer.target(of: "app")?.paused == false)
        let all = tally.writes.map { String($0.id) }.joined(separator: ",")
        #expect(
            try node2.psql("SELECT count(*) FROM pooler_probe WHERE id IN (\(all))", database: "app")
                == String(tally.writes.count))
        print(
            "switchover through pgbouncer: \(tally.writes.count) writes, 0 failed, longest stall \(tally.longestStall)")
        // Clients waited rather than failed; the stall itself is measured by Benchmarks/pooler-switchover.sh.
        #expect(tally.longestStall < .seconds(10))
        let details = try node2.psql("SELECT details FROM repmgr.events WHERE event = 'standby_switchover'")
        #expect(details.contains("pgbouncer repointed: pgbouncer 127.0.0.1:\(bouncer.port)"), "\(details)")
    }

    @Test("a switchover that fails after PAUSE resumes the clients, who go on writing on the old primary")
    func failedSwitchoverResumes() async throws {
        let (cluster, bouncer) = try await Self.clusterWithPgBouncer()
        defer {
            bouncer.stop()
            cluster.shutdown()
        }
        let node1 = try cluster.server(1)
        let node2 = try cluster.server(2)
        // The old primary's stop command does nothing, so it never shuts down and the switchover gives up.
        try cluster.writeConfig(
            1, port: node1.port, dataDirectory: node1.dataDirectory,
            extra: Self.poolerSettings(port: bouncer.port) + "\nservice_stop_command='false'")
        try cluster.writeConfig(
            2, port: node2.port, dataDirectory: node2.dataDirectory,
            extra: Self.poolerSettings(port: bouncer.port) + "\nshutdown_check_timeout=1")
        let writer = try PoolerWriter(conninfo: bouncer.conninfo(database: "app"))
        writer.start()
        try await writer.waitForWrites(10)
        let result = try await cluster.pgwarden(node: 2, ["standby", "switchover"])
        let firstAfter = writer.tally.nextID
        try await Polling.until("writes after the failed switchover", timeout: .seconds(10)) {
            writer.tally.writes.filter { $0.id >= firstAfter }.count >= 10
        }
        let tally = await writer.stop()
        #expect(result.exitCode == 18, "\(result)")
        #expect(result.output.contains("paused app") && result.output.contains("resumed app"), "\(result)")
        #expect(try bouncer.target(of: "app")?.paused == false)
        #expect(try bouncer.target(of: "app")?.address == "127.0.0.1:\(node1.port)")
        #expect(tally.failures.isEmpty, "\(tally.failures.map { "\($0.id): \($0.message)" })")
        #expect(tally.writes.filter { $0.id >= firstAfter }.allSatisfy { $0.serverPort == node1.port })
    }

    @Test("a PAUSE held up by an open transaction is abandoned after its timeout; the switchover goes on")
    func pauseTimeoutFallsBack() async throws {
        let (cluster, bouncer) = try await Self.clusterWithPgBouncer()
        defer {
            bouncer.stop()
            cluster.shutdown()
        }
        let node2 = try cluster.server(2)
        let open = try await PostgresConnection.connect(
            try Conninfo(parsing: bouncer.conninfo(database: "app")), timeout: .seconds(5))
        try await open.query("BEGIN")
        try await open.query("INSERT INTO pooler_probe (id) VALUES (-1)")
        let started = ContinuousClock.now
        let result = try await cluster.pgwarden(node: 2, ["standby", "switchover"])
        let took = ContinuousClock.now - started
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.output.contains("could not hold client traffic; continuing without the pause"), "\(result)")
        #expect(took < .seconds(15), "switchover took \(took)")
        #expect(try bouncer.target(of: "app")?.paused == false)
        #expect(try bouncer.target(of: "app")?.address == "127.0.0.1:\(node2.port)")
        #expect(try await Self.writeThrough(bouncer, id: 1) == node2.port)
    }

    @Test("a pgbouncer that is down does not fail the promotion; the failure is reported and recorded")
    func pgbouncerDownDuringPromotion() async throws {
        let (cluster, bouncer) = try await Self.clusterWithPgBouncer()
        defer {
            bouncer.stop()
            cluster.shutdown()
        }
        let node2 = try cluster.server(2)
        try cluster.server(1).stop()
        bouncer.stop()
        let started = ContinuousClock.now
        let result = try await cluster.pgwarden(node: 2, ["standby", "promote"])
        let took = ContinuousClock.now - started
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.output.contains("pgbouncer 127.0.0.1:\(bouncer.port): FAILED: cannot reach"), "\(result)")
        #expect(result.output.contains("STANDBY PROMOTE successful"), "\(result)")
        #expect(took < .seconds(10), "promotion took \(took)")
        #expect(try node2.psql("SELECT pg_is_in_recovery()") == "f")
        let event = try node2.psql(
            "SELECT successful, details FROM repmgr.events WHERE event = 'pooler_repoint' ORDER BY event_timestamp DESC LIMIT 1"
        )
        #expect(event.hasPrefix("f|"), "\(event)")
        #expect(event.contains("pgbouncer 127.0.0.1:\(bouncer.port): FAILED: cannot reach"), "\(event)")
        let promote = try node2.psql("SELECT details FROM repmgr.events WHERE event = 'standby_promote'")
        #expect(promote.contains("not repointed: pgbouncer 127.0.0.1:\(bouncer.port)"), "\(promote)")
    }
}
