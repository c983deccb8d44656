import Foundation
import Testing

/// `node rejoin` of a standby that crashed on its primary's timeline (issue 18, finding 11): it used
/// to print `NODE REJOIN successful` (or exit 24) while the node looped on `invalid resource manager
/// ID` / `record with incorrect prev-link` and never replayed another write, because pg_rewind's
/// single-user crash recovery wrote a checkpoint onto the timeline the primary continues. Rejoin now
/// starts such a node as a standby without pg_rewind, and succeeds only once the node streams and has
/// replayed a write made after it started.
@Suite("Rejoin of a crashed standby", .serialized)
struct RejoinCrashedStandbyTests {
    /// Primary node1 and standby node2; node2 is killed with SIGKILL while node1 writes, and node1
    /// writes more afterwards.
    static func crashedStandby() async throws -> PgwardenCluster {
        let cluster = try PgwardenCluster()
        do {
            try await cluster.createPrimary()
            try await cluster.addStandby(2, upstream: 1)
            let primary = try cluster.server(1)
            let standby = try cluster.server(2)
            _ = try primary.psql("CREATE TABLE crash_probe(v text); INSERT INTO crash_probe VALUES ('before-crash')")
            try Polling.until("the standby to have the first row", timeout: .seconds(20)) {
                (try? standby.psql("SELECT count(*) FROM crash_probe"))?.hasPrefix("1") == true
            }
            _ = try primary.psql("INSERT INTO crash_probe SELECT 'bulk-' || i FROM generate_series(1, 20000) i")
            try standby.kill9()
            _ = try primary.psql("INSERT INTO crash_probe SELECT 'after-crash-' || i FROM generate_series(1, 5000) i")
        } catch {
            cluster.shutdown()
            throw error
        }
        return cluster
    }

    static func serverLog(_ server: PostgresServer) -> String {
        (try? String(contentsOfFile: server.dataDirectory + "/pgwarden-server.log", encoding: .utf8)) ?? ""
    }

    static func source(_ cluster: PgwardenCluster) throws -> [String] {
        ["-d", "host=127.0.0.1 port=\(try cluster.server(1).port) user=repmgr dbname=repmgr"]
    }

    @Test("standby killed with -9, node rejoin --force-rewind: the node streams and replays afterwards")
    func crashedStandbyForceRewind() async throws {
        let cluster = try await Self.crashedStandby()
        defer { cluster.shutdown() }
        let primary = try cluster.server(1)
        let standby = try cluster.server(2)
        let control = try await ProcessRunner.run(
            [try PostgresBinaries.bindir() + "/pg_controldata", "-D", standby.dataDirectory],
            asUser: cluster.sandbox.serverUser.name
        ).check()
        #expect(control.stdout.contains("in archive recovery"), "\(control.stdout)")

        let rejoin = try await cluster.pgwarden(
            node: 2, try Self.source(cluster) + ["node", "rejoin", "--force-rewind"])
        #expect(rejoin.exitCode == 0, "\(rejoin)\n\(Self.serverLog(standby))")
        #expect(rejoin.stderr.contains("NODE REJOIN successful"))
        #expect(!rejoin.stderr.contains("executing pg_rewind"))

        // The node streams from the primary and replays a write made now.
        try Polling.until("the rejoined node to stream from the primary", timeout: .seconds(20)) {
            (try? primary.psql(
                "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'node2' AND state = 'streaming'"))?
                .hasPrefix("1") == true
        }
        _ = try primary.psql("INSERT INTO crash_probe VALUES ('after-rejoin')")
        try Polling.until("the rejoined node to replay the write made after the rejoin", timeout: .seconds(20)) {
            (try? standby.psql("SELECT count(*) FROM crash_probe WHERE v = 'after-rejoin'"))?.hasPrefix("1") == true
        }
        #expect(try standby.psql("SELECT count(*) FROM crash_probe") == "25002")
        let log = Self.serverLog(standby)
        #expect(!log.contains("invalid resource manager ID") && !log.contains("incorrect prev-link"), "\(log)")
    }

    @Test("a node whose WAL diverged on the primary's timeline: rejoin fails with the reason instead of succeeding")
    func divergedOnSameTimeline() async throws {
        let cluster = try await Self.crashedStandby()
        defer { cluster.shutdown() }
        let standby = try cluster.server(2)
        try cluster.writeConfig(
            2, port: standby.port, dataDirectory: standby.dataDirectory, extra: "node_rejoin_timeout=8")

        // What pg_rewind did before: crash recovery in single-user mode, without standby.signal, which
        // writes a checkpoint record where the primary's WAL holds other records.
        try FileManager.default.removeItem(atPath: standby.dataDirectory + "/standby.signal")
        _ = try await ProcessRunner.run(
            [try PostgresBinaries.bindir() + "/postgres", "--single", "-F", "-D", standby.dataDirectory, "template1"],
            asUser: cluster.sandbox.serverUser.name
        ).check()

        let rejoin = try await cluster.pgwarden(node: 2, try Self.source(cluster) + ["node", "rejoin"])
        #expect(rejoin.exitCode == 24, "\(rejoin)")
        #expect(!rejoin.stderr.contains("NODE REJOIN successful"))
        #expect(rejoin.stderr.contains("the node started but does not follow node \"node1\" (ID: 1)"), "\(rejoin)")
        #expect(rejoin.stderr.contains("pgwarden standby clone --force"))
        let events = try await cluster.pgwarden(node: 1, ["cluster", "events", "--event=node_rejoin"])
        #expect(events.stdout.contains("node rejoin failed"), "\(events)")
    }
}
