import Foundation
import Testing

/// The partition the primary lease exists for, run once on a fresh cluster: primary, two standbys
/// and a witness, each in its own network namespace with its daemon; the primary's switch port goes
/// down (packets dropped, no reset) while clients on every data node keep writing through the
/// node's unix socket — one opening a new connection per write, one keeping its session and
/// switching `default_transaction_read_only` off before every write. Once the majority side has a
/// writable primary, the network heals and the run watches, every 100 ms for `watch`, which nodes
/// take writes, while the clients go on writing; then it checks that every write the new primary
/// acknowledged is still there.
struct LeasePartitionScenario {
    static let daemonSettings = """
        failover=automatic
        reconnect_attempts=2
        reconnect_interval=1
        monitor_interval_secs=2
        election_rerun_interval=3
        """

    /// How long to watch the cluster after the heal.
    var watch: Duration = .seconds(30)

    func run() async throws -> LeasePartitionFigures {
        let notifications = "/tmp/pgwarden-notify-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: notifications) }
        let settings = Self.daemonSettings + "\nevent_notification_command='echo %n %e >> \(notifications)'"

        let cluster = try NamespacedCluster()
        defer { cluster.shutdown() }
        try await cluster.startWithDaemons(extra: settings)
        _ = try cluster.server(1).psql(AcknowledgedWriter.createTable)
        // Past the standbys' start-up hold: a vote now depends on the lease alone.
        try await Task.sleep(for: .seconds(7))

        var writers: [Int: [AcknowledgedWriter]] = [:]
        for node in 1...3 {
            let server = try cluster.server(node)
            writers[node] = try [true, false].map { fresh in
                try AcknowledgedWriter(
                    label: "node\(node)-\(fresh ? "new-connection" : "session")",
                    socketDirectory: server.nodeDirectory, port: server.port, newConnectionPerWrite: fresh)
            }
        }
        let allWriters = writers.values.flatMap { $0 }
        for writer in allWriters { writer.start() }
        try await Task.sleep(for: .seconds(2))
        let daemon1 = try cluster.daemon(1)
        let logBeforeCut = daemon1.output().count

        let cut = ContinuousClock.now
        try cluster.network.isolate(NamespacedCluster.label(1))
        func writable() -> [Int] {
            [1, 2, 3].filter { cluster.query($0, "SELECT pg_is_in_recovery()") == "f" }
        }
        func majorityAcknowledged() -> Bool {
            [2, 3].contains { !(writers[$0]?.allSatisfy { $0.acknowledgements.isEmpty } ?? true) }
        }
        do {
            try await Polling.until("a writable primary on the majority side", timeout: .seconds(40)) {
                writable().contains { $0 != 1 } && majorityAcknowledged()
            }
        } catch {
            Issue.record("\(cluster.daemonOutput())")
            for writer in allWriters { await writer.stop() }
            throw error
        }
        let newPrimary = try #require(writable().first { $0 != 1 })
        let oldServerStopped = try cluster.server(1).postmasterPID == nil

        try cluster.network.heal()
        let healed = ContinuousClock.now
        var onePrimary: Duration?
        var samplesOtherwise = 0
        while ContinuousClock.now - healed < watch {
            if writable() == [newPrimary] {
                onePrimary = onePrimary ?? ContinuousClock.now - healed
            } else {
                samplesOtherwise += 1
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        for writer in allWriters { await writer.stop() }

        let oldAcks = (writers[1] ?? []).flatMap(\.acknowledgements).filter { $0 > cut }
        let newAcks = [2, 3].flatMap { writers[$0] ?? [] }.flatMap(\.acknowledgements)
        let lastOld = try #require(oldAcks.max(), "node1 acknowledged nothing after the cut")
        let firstNew = try #require(newAcks.min(), "the new primary acknowledged nothing")
        // One line per writer: `label:1,2,3`.
        let rows = cluster.query(
            newPrimary,
            "SELECT string_agg(writer || ':' || seqs, E'\\n') FROM (SELECT writer, string_agg(sequence::text, ',') AS seqs "
                + "FROM public.acknowledged_writes GROUP BY writer) AS per_writer")
        var stored: [String: Set<Int>] = [:]
        for line in (rows ?? "").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            stored[String(parts[0])] = Set(parts[1].split(separator: ",").compactMap { Int($0) })
        }
        var acknowledged = 0
        var lost = 0
        for writer in writers[newPrimary] ?? [] {
            let sequences = writer.sequences(acknowledgedFrom: cut)
            acknowledged += sequences.count
            lost += sequences.subtracting(stored[writer.label] ?? []).count
        }
        let events = (try? String(contentsOfFile: notifications, encoding: .utf8)) ?? ""
        return LeasePartitionFigures(
            oldAcknowledgedAfterCut: oldAcks.count,
            oldAcknowledgedAfterNewFirst: oldAcks.filter { $0 >= firstNew }.count,
            oldLastWrite: lastOld - cut, newFirstWrite: firstNew - cut, newPrimary: newPrimary,
            oldServerStopped: oldServerStopped,
            onePrimaryAfterHeal: onePrimary, samplesNotOnePrimary: samplesOtherwise, watched: watch,
            majorityAcknowledged: acknowledged, majorityLost: lost,
            oldPrimaryLog: String(daemon1.output().dropFirst(logBeforeCut)), events: events)
    }
}
