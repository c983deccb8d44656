import Foundation
import Testing
import WardenEngine

#if canImport(Glibc)
    import Glibc
#endif

/// The returning-primary guard on real servers: after an automatic failover the killed old
/// primary is started again with a plain `pg_ctl start`, while a writer keeps trying to write to
/// it directly (not through a pooler). It must never become a second writable primary.
@Suite("Returning primary", .serialized)
struct ReturningPrimaryTests {
    /// Kills node1, waits for a standby to be promoted, and returns its node ID.
    static func killPrimaryAndWaitForFailover(
        _ cluster: PgwardenCluster, daemons: [BackgroundProcess]
    ) async throws -> Int {
        try cluster.server(1).kill9()
        var promoted = 0
        do {
            try await Polling.until("a standby to be promoted", timeout: .seconds(30)) {
                promoted = DaemonFailoverTests.writableStandbys(cluster, among: [2, 3]).first ?? 0
                return promoted != 0
            }
        } catch {
            Issue.record("daemon output:\n\(daemons.map { $0.output() }.joined(separator: "\n---\n"))")
            throw error
        }
        return promoted
    }

    /// Creates the writer's table on every data node and waits until all four daemons report.
    static func prepareForWrites(_ cluster: PgwardenCluster) async throws {
        try await PoolerFencingTests.createApplicationDatabase(cluster, standbys: [2, 3])
        try await DaemonFailoverTests.waitForDaemons(cluster)
    }

    /// Waits until the daemon of the stopped `server` has made its data directory start as a standby.
    static func waitUntilPreparedAsStandby(_ server: PostgresServer) async throws {
        try await Polling.until("\(server.name)'s daemon to prepare its data directory", timeout: .seconds(20)) {
            FileManager.default.fileExists(atPath: server.dataDirectory + "/standby.signal")
        }
    }

    /// The fenced flag of node1 in the metadata on `primary`.
    static func fencedFlag(on primary: PostgresServer) -> String? {
        try? primary.psql("SELECT fenced FROM repmgr.pgwarden_fence WHERE node_id = 1")
    }

    @Test("a killed primary whose daemon runs starts again read-only: zero writes accepted, shown as fenced")
    func daemonPreparesDataDirectory() async throws {
        let (cluster, daemons) = try await DaemonFailoverTests.clusterWithDaemons()
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            cluster.shutdown()
        }
        try await Self.prepareForWrites(cluster)
        let oldPrimary = try cluster.server(1)
        let promoted = try await Self.killPrimaryAndWaitForFailover(cluster, daemons: daemons)
        try await Self.waitUntilPreparedAsStandby(oldPrimary)

        let writer = try PoolerWriter(conninfo: oldPrimary.conninfo(database: "app"))
        writer.start()
        try oldPrimary.start()
        try await Task.sleep(for: .seconds(3))
        let tally = await writer.stop()
        #expect(tally.writes.isEmpty, "the restarted old primary accepted \(tally.writes.count) writes")
        #expect(try oldPrimary.psql("SELECT pg_is_in_recovery()") == "t")
        let insert = try oldPrimary.runPsql("INSERT INTO pooler_probe (id) VALUES (-1)", database: "app")
        #expect(!insert.succeeded)
        #expect(insert.output.contains("read-only transaction"), "\(insert)")

        let newPrimary = try cluster.server(promoted)
        try await Polling.until("node1 to show as fenced", timeout: .seconds(10)) {
            Self.fencedFlag(on: newPrimary) == "t"
        }
        let show = try await cluster.pgwarden(node: promoted, ["cluster", "show"])
        #expect(show.output.contains("(fenced)"), "\(show)")
        let events = try newPrimary.psql(
            "SELECT count(*) FROM repmgr.events WHERE node_id = 1 AND event = 'node_fence'")
        #expect(events != "0")
    }

    @Test("a killed primary started without its daemon is fenced by the new primary's daemon within a second")
    func survivorsFenceSecondPrimary() async throws {
        let (cluster, daemons) = try await DaemonFailoverTests.clusterWithDaemons()
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            cluster.shutdown()
        }
        try await Self.prepareForWrites(cluster)
        _ = daemons[0].terminate()
        let oldPrimary = try cluster.server(1)
        let promoted = try await Self.killPrimaryAndWaitForFailover(cluster, daemons: daemons)
        #expect(!FileManager.default.fileExists(atPath: oldPrimary.dataDirectory + "/standby.signal"))
        try await Task.sleep(for: .seconds(2))

        let writer = try PoolerWriter(conninfo: oldPrimary.conninfo(database: "app"))
        writer.start()
        try oldPrimary.start()
        let started = ContinuousClock.now
        var refusedAt: ContinuousClock.Instant?
        try await Polling.until("node1 to refuse writes", timeout: .seconds(10)) {
            let insert = try? oldPrimary.runPsql("INSERT INTO pooler_probe (id) VALUES (-1)", database: "app")
            if insert?.output.contains("read-only transaction") == true { refusedAt = ContinuousClock.now }
            return refusedAt != nil
        }
        try await Task.sleep(for: .seconds(1))
        let tally = await writer.stop()
        let refusedAfter = refusedAt.map { $0 - started }
        let lastWrite = tally.writes.last.map { $0.at - started }
        print(
            "second primary without its daemon: refused writes \(refusedAfter.map { "\($0)" } ?? "never") after "
                + "pg_ctl start returned; \(tally.writes.count) direct writes accepted, the last "
                + "\(lastWrite.map { "\($0)" } ?? "none") after start")
        // Once fenced it stays fenced: no write is acknowledged after the first refusal. (How soon it is
        // fenced is measured by Benchmarks/returning-primary.sh.)
        if let refusedAt {
            #expect(tally.writes.allSatisfy { $0.at <= refusedAt }, "\(tally.writes.map(\.at))")
        }

        let newPrimary = try cluster.server(promoted)
        try await Polling.until("node1 to show as fenced", timeout: .seconds(10)) {
            Self.fencedFlag(on: newPrimary) == "t"
        }
        let show = try await cluster.pgwarden(node: promoted, ["cluster", "show"])
        #expect(show.output.contains("(fenced)"), "\(show)")
    }

    @Test("auto_rejoin: the restarted old primary ends as a streaming standby of the new primary, unfenced")
    func autoRejoin() async throws {
        let (cluster, daemons) = try await DaemonFailoverTests.clusterWithDaemons(
            extra: "auto_rejoin=true\nelection_rerun_interval=2")
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            cluster.shutdown()
        }
        try await Self.prepareForWrites(cluster)
        let oldPrimary = try cluster.server(1)
        let promoted = try await Self.killPrimaryAndWaitForFailover(cluster, daemons: daemons)
        try await Self.waitUntilPreparedAsStandby(oldPrimary)
        let writer = try PoolerWriter(conninfo: oldPrimary.conninfo(database: "app"))
        writer.start()
        // No -w: the daemon may already stop the server for its rejoin while pg_ctl would still be waiting.
        _ = try oldPrimary.pgCtl(["-D", oldPrimary.dataDirectory, "-l", oldPrimary.logFile, "start"])
        let newPrimary = try cluster.server(promoted)
        do {
            try await Polling.until("node1 to stream from node\(promoted)", timeout: .seconds(60)) {
                (try? newPrimary.psql(
                    "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'node1' AND state = 'streaming'"
                )) == "1"
            }
        } catch {
            Issue.record("node1's daemon:\n\(daemons[0].output())")
            throw error
        }
        let tally = await writer.stop()
        #expect(tally.writes.isEmpty, "the old primary accepted \(tally.writes.count) writes")
        #expect(try oldPrimary.psql("SELECT pg_is_in_recovery()") == "t")
        #expect(
            try oldPrimary.psql("SELECT reset_val FROM pg_settings WHERE name = 'default_transaction_read_only'")
                == "off")
        // The server may stream by itself before the daemon's rejoin (stop, pg_rewind, start, lift) is done.
        // Unfenced: the fence row lifted, or none at all when the daemon rejoined before anyone started the
        // server (the rejoin then starts it as a standby itself).
        do {
            try await Polling.until("node1 to be unfenced", timeout: .seconds(30)) {
                Self.fencedFlag(on: newPrimary) != "t"
            }
        } catch {
            let fences = try? newPrimary.psql("SELECT * FROM repmgr.pgwarden_fence")
            Issue.record("fence table: \(fences ?? "-")\nnode1's daemon:\n\(daemons[0].output())")
            throw error
        }
    }

    @Test("a killed primary fenced while down is rejoined by node rejoin --force-rewind without being started first")
    func rejoinFencedStoppedPrimary() async throws {
        let (cluster, daemons) = try await DaemonFailoverTests.clusterWithDaemons()
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            cluster.shutdown()
        }
        try await DaemonFailoverTests.waitForDaemons(cluster)
        let oldPrimary = try cluster.server(1)
        let promoted = try await Self.killPrimaryAndWaitForFailover(cluster, daemons: daemons)
        try await Self.waitUntilPreparedAsStandby(oldPrimary)
        _ = daemons[0].terminate()
        // Crash recovery (the node was killed) runs in single-user mode, which refuses a standby.signal.
        let rejoin = try await cluster.pgwarden(
            node: 1, ["-d", try cluster.server(promoted).conninfo(), "node", "rejoin", "--force-rewind"])
        #expect(rejoin.exitCode == 0, "\(rejoin)")
        let newPrimary = try cluster.server(promoted)
        try await Polling.until("node1 to stream from node\(promoted)", timeout: .seconds(30)) {
            (try? newPrimary.psql(
                "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'node1' AND state = 'streaming'"))
                == "1"
        }
        #expect(Self.fencedFlag(on: newPrimary) == "f", "node rejoin lifts the fence")
    }

    @Test("an old primary running writable again fences itself as soon as its daemon starts")
    func daemonFencesOwnNodeAtStart() async throws {
        let (cluster, daemons) = try await DaemonFailoverTests.clusterWithDaemons()
        var restarted: BackgroundProcess?
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            _ = restarted?.terminate()
            cluster.shutdown()
        }
        try await Self.prepareForWrites(cluster)
        _ = daemons[0].terminate()
        let oldPrimary = try cluster.server(1)
        let promoted = try await Self.killPrimaryAndWaitForFailover(cluster, daemons: daemons)
        // Nobody else may fence it: the new primary's daemon (which would) is stopped as well.
        _ = daemons[promoted - 1].terminate()
        try oldPrimary.start()
        #expect(try oldPrimary.psql("SELECT pg_is_in_recovery()") == "f")

        let daemon = try BackgroundProcess(
            [cluster.binary, "-f", cluster.configPath(1), "daemon", "run"], asUser: cluster.sandbox.serverUser.name,
            environment: ["TMPDIR": cluster.sandbox.path], workingDirectory: cluster.sandbox.path,
            outputPath: cluster.sandbox.subpath("daemon1-restarted.log"))
        restarted = daemon
        do {
            try await Polling.until("node1 to refuse writes", timeout: .seconds(20)) {
                (try? oldPrimary.runPsql("INSERT INTO pooler_probe (id) VALUES (-1)", database: "app"))?.output
                    .contains("read-only transaction") == true
            }
        } catch {
            Issue.record("node1's daemon:\n\(daemon.output())")
            throw error
        }
        let newPrimary = try cluster.server(promoted)
        try await Polling.until("node1 to show as fenced", timeout: .seconds(10)) {
            Self.fencedFlag(on: newPrimary) == "t"
        }
    }
}
