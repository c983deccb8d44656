import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The failover daemon on real servers: daemons on the primary, two standbys and a witness;
/// the primary's postmaster is killed with SIGKILL; one standby is promoted, the other follows.
@Suite("Daemon failover", .serialized)
struct DaemonFailoverTests {
    static let daemonSettings = """
        failover=automatic
        reconnect_attempts=2
        reconnect_interval=1
        monitor_interval_secs=1
        monitoring_history=yes
        """

    /// Primary + 2 standbys + witness, each with a running daemon.
    static func clusterWithDaemons(node3Upstream: Int = 1, extra: String = "", witnessExtra: String = "") async throws
        -> (PgwardenCluster, [BackgroundProcess])
    {
        let cluster = try PgwardenCluster()
        do {
            try await cluster.createPrimary()
            try await cluster.addStandby(2, upstream: 1)
            try await cluster.addStandby(3, upstream: node3Upstream)
            let witness = try PostgresServer.startPrimary(in: cluster.sandbox, name: "node4")
            cluster.adopt(witness, as: 4)
            try cluster.writeConfig(4, port: witness.port, dataDirectory: witness.dataDirectory)
            let primaryPort = String(try cluster.server(1).port)
            _ = try await cluster.pgwarden(
                node: 4, ["-h", "127.0.0.1", "-p", primaryPort, "-U", "repmgr", "-d", "repmgr", "witness", "register"]
            ).check()
            var daemons: [BackgroundProcess] = []
            for node in 1...4 {
                let server = node == 4 ? witness : try cluster.server(node)
                try cluster.writeConfig(
                    node, port: server.port, dataDirectory: server.dataDirectory,
                    extra: daemonSettings + "\n" + extra + (node == 4 ? "\n" + witnessExtra : "")
                        + "\nrepmgrd_pid_file='\(cluster.sandbox.subpath("daemon\(node).pid"))'")
                daemons.append(
                    try BackgroundProcess(
                        [cluster.binary, "-f", cluster.configPath(node), "daemon", "run"],
                        asUser: cluster.sandbox.serverUser.name,
                        environment: ["TMPDIR": cluster.sandbox.path], workingDirectory: cluster.sandbox.path,
                        outputPath: cluster.sandbox.subpath("daemon\(node).log")))
            }
            return (cluster, daemons)
        } catch {
            cluster.shutdown()
            throw error
        }
    }

    @Test("kill -9 of the primary: a standby is promoted, the other follows, events and history are recorded")
    func killPrimary() async throws {
        // The witness has the follow_command every repmgr install has (`repmgr standby follow`,
        // which a witness refuses): its daemon must not run it, but take the new metadata.
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pgwarden-witness-follow-\(getpid())"
        ).path
        let (cluster, daemons) = try await Self.clusterWithDaemons(
            witnessExtra: "follow_command='touch \(marker); exit 1'")
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            cluster.shutdown()
        }
        do {
            try await Polling.until("all four daemons to report", timeout: .seconds(30)) {
                (try? cluster.server(1).psql("SELECT count(*) FROM repmgr.pgwarden_daemon WHERE pid IS NOT NULL"))?
                    .hasPrefix("4") == true
            }
        } catch {
            let table = (try? cluster.server(1).psql("SELECT node_id, pid, state FROM repmgr.pgwarden_daemon")) ?? "?"
            Issue.record("daemon output: \(daemons.map { $0.output() }.joined(separator: "\n---\n"))\n\(table)")
            throw error
        }
        try await Polling.until("monitoring history rows", timeout: .seconds(20)) {
            (try? cluster.server(1).psql("SELECT count(DISTINCT standby_node_id) FROM repmgr.monitoring_history"))?
                .hasPrefix("2") == true
        }
        let status = try await cluster.pgwarden(node: 1, ["daemon", "status"])
        #expect(status.stdout.contains(" running  "), "\(status)")
        // cluster show --json carries each daemon's lease: the primary holds it by its voters'
        // grants, and a standby reports its promise to the primary.
        var leases: [Int: [String: Any]] = [:]
        try await Polling.until("cluster show --json to show the lease", timeout: .seconds(20)) {
            guard let show = try? await cluster.pgwarden(node: 1, ["cluster", "show", "--json"]),
                let nodes = try? JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [[String: Any]]
            else { return false }
            leases = [:]
            for node in nodes {
                if let id = node["id"] as? Int, let daemon = node["daemon"] as? [String: Any],
                    let lease = daemon["lease"] as? [String: Any]
                {
                    leases[id] = lease
                }
            }
            return leases[1]?["state"] as? String == "held" && (leases[1]?["grantedBy"] as? [String])?.count ?? 0 >= 2
                && leases[2]?["state"] as? String == "granted"
        }
        #expect(leases[1]?["holderName"] as? String == "node1", "\(leases)")
        #expect(leases[1]?["needed"] as? Int == 2 && leases[1]?["voters"] as? Int == 3, "\(leases)")
        #expect(leases[2]?["holder"] as? Int == 1, "\(leases)")
        #expect((leases[1]?["summary"] as? String)?.hasPrefix("lease: held for term 1, granted by ") == true)

        try cluster.server(1).kill9()
        var promoted = 0
        try await Polling.until("a standby to be promoted", timeout: .seconds(30)) {
            for node in [2, 3]
            where (try? cluster.server(node).psql("SELECT pg_is_in_recovery()"))?.hasPrefix("f") == true {
                promoted = node
                return true
            }
            return false
        }
        let follower = promoted == 2 ? 3 : 2
        try await Polling.until("node\(follower) to stream from node\(promoted)", timeout: .seconds(30)) {
            (try? cluster.server(promoted).psql(
                "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'node\(follower)' AND state = 'streaming'"
            ))?.hasPrefix("1") == true
        }
        let show = try await cluster.pgwarden(node: promoted, ["cluster", "show"])
        // Column widths depend on the longest status (node1 may already show as fenced), so compare the
        // rows with runs of blanks collapsed.
        let rows = show.stdout.replacingOccurrences(of: " +", with: " ", options: .regularExpression)
        #expect(rows.contains(" \(promoted) | node\(promoted) | primary | * running |"), "\(show)")
        #expect(rows.contains(" 1 | node1 | primary | - failed"), "\(show)")
        #expect(rows.contains("| node\(follower) | standby | running | node\(promoted) "), "\(show)")
        #expect(
            rows.contains("| node4 | witness | * running | node\(promoted) "),
            "the witness watches the new primary\n\(show)")
        try await Polling.until("the failover events", timeout: .seconds(15)) {
            let events = (try? cluster.server(promoted).psql("SELECT string_agg(event, ',') FROM repmgr.events")) ?? ""
            return events.contains("repmgrd_failover_promote") && events.contains("repmgrd_failover_follow")
        }
        #expect(try cluster.server(promoted).psql("SELECT term FROM repmgr.voting_term").hasPrefix("2"))
        // The witness's own copy of its record names the new primary, as real repmgr checks.
        try await Polling.until("the witness's own metadata to name node\(promoted)", timeout: .seconds(15)) {
            (try? cluster.server(4).psql("SELECT upstream_node_id FROM repmgr.nodes WHERE node_id = 4"))?
                .hasPrefix(String(promoted)) == true
        }
        #expect(
            daemons[3].output().contains("follow_command is not run on a witness: taking the metadata from"),
            "\(daemons[3].output())")
        #expect(!FileManager.default.fileExists(atPath: marker), "the witness ran its follow_command")
        for daemon in daemons.dropFirst() { #expect(daemon.isRunning, "\(daemon.output())") }
    }

    /// Waits until every daemon has reported to the primary's status table.
    static func waitForDaemons(_ cluster: PgwardenCluster, count: Int = 4) async throws {
        try await Polling.until("\(count) daemons to report", timeout: .seconds(30)) {
            (try? cluster.server(1).psql("SELECT count(*) FROM repmgr.pgwarden_daemon WHERE pid IS NOT NULL"))?
                .hasPrefix(String(count)) == true
        }
    }

    static func writableStandbys(_ cluster: PgwardenCluster, among nodes: [Int]) -> [Int] {
        nodes.filter { (try? cluster.server($0).psql("SELECT pg_is_in_recovery()"))?.hasPrefix("f") == true }
    }

    @Test("paused daemons do not fail over; failover=manual records standby_disconnect_manual instead")
    func pausedAndManual() async throws {
        let notifications = "/tmp/pgwarden-notify-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: notifications) }
        let (cluster, daemons) = try await Self.clusterWithDaemons(
            extra: "event_notification_command='echo %n %e >> \(notifications)'")
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            cluster.shutdown()
        }
        try await Self.waitForDaemons(cluster)
        _ = try await cluster.pgwarden(node: 2, ["daemon", "pause"]).check()
        try await Task.sleep(for: .seconds(3))
        try cluster.server(1).kill9()
        try await Task.sleep(for: .seconds(6))
        #expect(Self.writableStandbys(cluster, among: [2, 3]).isEmpty, "a paused daemon promoted a standby")

        // Bring the primary back, unpause, and switch both standbys to failover=manual.
        try cluster.server(1).start()
        _ = try await cluster.pgwarden(node: 1, ["daemon", "unpause"]).check()
        for node in [2, 3] {
            let server = try cluster.server(node)
            try cluster.writeConfig(
                node, port: server.port, dataDirectory: server.dataDirectory,
                extra: Self.daemonSettings.replacingOccurrences(of: "failover=automatic", with: "failover=manual")
                    + "\nevent_notification_command='echo %n %e >> \(notifications)'"
                    + "\nrepmgrd_pid_file='\(cluster.sandbox.subpath("daemon\(node).pid"))'")
            daemons[node - 1].send(SIGHUP)
        }
        try await Task.sleep(for: .seconds(3))
        try cluster.server(1).kill9()
        try await Polling.until("standby_disconnect_manual", timeout: .seconds(20)) {
            ((try? String(contentsOfFile: notifications, encoding: .utf8)) ?? "").contains("standby_disconnect_manual")
        }
        try await Task.sleep(for: .seconds(2))
        #expect(Self.writableStandbys(cluster, among: [2, 3]).isEmpty, "failover=manual promoted a standby")
    }

    @Test("a hung primary (every process stopped) is failed over; a cascaded standby keeps its upstream")
    func hungPrimaryAndCascade() async throws {
        let (cluster, daemons) = try await Self.clusterWithDaemons(node3Upstream: 2)
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            try? cluster.server(1).resume()
            cluster.shutdown()
        }
        try await Self.waitForDaemons(cluster)
        let postmaster = try #require(try cluster.server(1).postmasterPID)
        let processes = [postmaster] + ProcessTable.children(of: postmaster)
        for pid in processes { kill(pid, SIGSTOP) }
        defer { for pid in processes { kill(pid, SIGCONT) } }
        do {
            try await Polling.until("node2 to be promoted", timeout: .seconds(40)) {
                Self.writableStandbys(cluster, among: [2]) == [2]
            }
        } catch {
            Issue.record("daemon output:\n\(daemons.map { $0.output() }.joined(separator: "\n---\n"))")
            throw error
        }
        try await Polling.until("node3 to keep streaming from node2", timeout: .seconds(20)) {
            (try? cluster.server(2).psql(
                "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'node3' AND state = 'streaming'"
            ))?.hasPrefix("1") == true
        }
        #expect(Self.writableStandbys(cluster, among: [3]).isEmpty)
    }

    @Test("a cascaded standby re-attaches to the primary when its upstream standby dies")
    func cascadeReattaches() async throws {
        let (cluster, daemons) = try await Self.clusterWithDaemons(node3Upstream: 2)
        defer {
            for daemon in daemons { _ = daemon.terminate() }
            cluster.shutdown()
        }
        try await Self.waitForDaemons(cluster)
        try cluster.server(2).kill9()
        try await Polling.until("node3 to stream from node1", timeout: .seconds(40)) {
            (try? cluster.server(1).psql(
                "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'node3' AND state = 'streaming'"
            ))?.hasPrefix("1") == true
        }
        #expect(try cluster.server(1).psql("SELECT pg_is_in_recovery()").hasPrefix("f"))
        #expect(Self.writableStandbys(cluster, among: [3]).isEmpty)
        try await Polling.until("node3's record to name node1 as upstream", timeout: .seconds(10)) {
            (try? cluster.server(1).psql("SELECT upstream_node_id FROM repmgr.nodes WHERE node_id = 3"))?.hasPrefix("1")
                == true
        }
    }
}
