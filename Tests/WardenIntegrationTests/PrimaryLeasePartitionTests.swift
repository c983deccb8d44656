import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The partition the primary lease exists for: primary, two standbys and a witness, each in its own
/// network namespace with its daemon; the primary's switch port goes down (packets dropped, no
/// reset) while clients on its side keep writing to it through its unix socket — one opening a new
/// connection per write, one keeping its session and switching `default_transaction_read_only` off
/// before every write. The primary must stop taking writes before the majority side's new primary
/// takes its first one, and after the heal exactly one writable primary remains.
@Suite("Primary lease under a partition", .serialized)
struct PrimaryLeasePartitionTests {
    static let daemonSettings = """
        failover=automatic
        reconnect_attempts=2
        reconnect_interval=1
        monitor_interval_secs=2
        election_rerun_interval=3
        """

    @Test(
        "a cut-off primary stops taking writes before another node is writable; one primary after the heal",
        .enabled(if: geteuid() == 0, "network namespaces need root"))
    func cutOffPrimaryFencesItself() async throws {
        let notifications = "/tmp/pgwarden-notify-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: notifications) }
        let settings = Self.daemonSettings + "\nevent_notification_command='echo %n %e >> \(notifications)'"
        func events() -> String { (try? String(contentsOfFile: notifications, encoding: .utf8)) ?? "" }

        let cluster = try NamespacedCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary(extra: settings)
        try await cluster.addStandby(2, extra: settings)
        try await cluster.addStandby(3, extra: settings)
        try await cluster.addWitness(4, extra: settings)
        _ = try cluster.server(1).psql(AcknowledgedWriter.createTable)
        for node in 1...4 { try cluster.startDaemon(node) }
        do {
            try await Polling.until("four daemons monitoring", timeout: .seconds(40), interval: .milliseconds(250)) {
                cluster.query(
                    1, "SELECT count(*) FROM repmgr.pgwarden_daemon WHERE pid IS NOT NULL AND state = 'monitoring'")
                    == "4"
            }
            // Past the standbys' start-up hold: a vote now depends on the lease alone.
            try await Task.sleep(for: .seconds(7))
        } catch {
            Issue.record("\(cluster.daemonOutput())")
            throw error
        }

        var writers: [Int: [AcknowledgedWriter]] = [:]
        for node in 1...3 {
            let server = try cluster.server(node)
            writers[node] = try [true, false].map { fresh in
                try AcknowledgedWriter(
                    label: "node\(node)-\(fresh ? "new-connection" : "session")",
                    socketDirectory: server.nodeDirectory, port: server.port, newConnectionPerWrite: fresh)
            }
        }
        for writer in writers.values.flatMap({ $0 }) { writer.start() }
        try await Task.sleep(for: .seconds(2))
        let daemon1 = try cluster.daemon(1)
        let logBeforeCut = daemon1.output().count

        let cut = ContinuousClock.now
        try cluster.network.isolate(NamespacedCluster.label(1))
        func newPrimary() -> Int? {
            [2, 3].first { cluster.query($0, "SELECT pg_is_in_recovery()") == "f" }
        }
        do {
            try await Polling.until("a writable primary on the majority side", timeout: .seconds(40)) {
                newPrimary() != nil
                    && [2, 3].contains { !(writers[$0]?.allSatisfy { $0.acknowledgements.isEmpty } ?? true) }
            }
        } catch {
            Issue.record("\(cluster.daemonOutput())")
            throw error
        }
        try await Task.sleep(for: .seconds(2))
        for writer in writers.values.flatMap({ $0 }) { await writer.stop() }

        let oldAcks = (writers[1] ?? []).flatMap(\.acknowledgements).filter { $0 > cut }
        let newAcks = [2, 3].flatMap { writers[$0] ?? [] }.flatMap(\.acknowledgements)
        let lastOld = try #require(oldAcks.max(), "node1 acknowledged nothing after the cut")
        let firstNew = try #require(newAcks.min(), "the new primary acknowledged nothing")
        let afterNew = oldAcks.filter { $0 >= firstNew }.count
        print(
            "partition: node1's last acknowledged write \(seconds(lastOld - cut)) after the cut "
                + "(\(oldAcks.count) after the cut, \(afterNew) after the new primary's first); "
                + "first write on node \(newPrimary() ?? 0) \(seconds(firstNew - cut)) after the cut")
        // The promise: no write is acknowledged by the cut-off primary once another node takes writes.
        #expect(afterNew == 0, "node1 acknowledged \(afterNew) writes after the new primary's first")
        #expect(lastOld < firstNew)
        let log = String(daemon1.output().dropFirst(logBeforeCut))
        #expect(log.contains("lease of term 1 lost: reached 0 of 3 voters"), "\(log)")
        #expect(log.contains("this node fenced itself"), "\(log)")
        #expect(try cluster.server(1).postmasterPID == nil, "node1's server must be stopped")

        // Heal: node1 learns of the new primary and stays fenced (no auto_rejoin); one writable primary.
        try cluster.network.heal()
        let primary = try #require(newPrimary())
        do {
            try await Polling.until("node1's daemon to learn of the new primary", timeout: .seconds(30)) {
                daemon1.output().contains("was promoted in term 2, this node in term 1: fencing this node")
            }
        } catch {
            Issue.record("\(cluster.daemonOutput())")
            throw error
        }
        try await Task.sleep(for: .seconds(10))
        #expect(try cluster.server(1).postmasterPID == nil, "node1 must not come back as a primary")
        #expect(newPrimary() == primary, "the new primary must stay the primary")
        #expect(cluster.query(primary, "SELECT count(*) > 0 FROM public.acknowledged_writes") == "t")
        #expect(events().contains("1 repmgrd_lease_lost"), "\(events())")
        #expect(events().contains("\(primary) repmgrd_failover_promote"), "\(events())")
    }
}

/// `1.234 s`.
private func seconds(_ duration: Duration) -> String {
    String(format: "%.3f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
}
