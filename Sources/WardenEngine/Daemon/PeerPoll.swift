/// One round of asking the peers what they see (``MonitorEffect/pollPeers(nodeIDs:bestEffort:)``):
/// every peer at once, its server's recovery state and received LSN and its daemon's report, in
/// one round trip on a kept link (``PeerLinks``).
struct PeerPoll: Sendable {
    let links: PeerLinks
    let mailboxRoot: String
    let freshness: ReportFreshness
    /// The connect and query timeout for each peer.
    let timeout: Duration

    /// One view per record, sorted by node ID. The answers of `bestEffort` nodes are not waited
    /// for: one that has not come when the others have counts as unreachable (its query goes on
    /// in the background and ends within its own timeouts).
    func views(of records: [NodeRecord], bestEffort: Set<Int>) async -> [PeerView] {
        let (answers, sink) = AsyncStream.makeStream(of: PeerView.self)
        for record in records {
            Task.detached { sink.yield(await view(of: record)) }
        }
        var required = Set(records.map(\.nodeID)).subtracting(bestEffort)
        var views: [Int: PeerView] = [:]
        if !required.isEmpty {
            for await view in answers {
                views[view.nodeID] = view
                required.remove(view.nodeID)
                if required.isEmpty { break }
            }
        }
        sink.finish()
        return records.map { views[$0.nodeID] ?? .unreachable($0) }.sorted { $0.nodeID < $1.nodeID }
    }

    private func view(of record: NodeRecord) async -> PeerView {
        // A kept link may have died with its server since the last poll: one retry on a new one.
        for _ in 0..<2 {
            guard let link = await links.link(to: record, timeout: timeout) else { break }
            if let view = await view(of: record, via: link) { return view }
            links.drop(link, nodeID: record.nodeID)
        }
        return .unreachable(record)
    }

    /// One peer's view through `link`, in one round trip; nil when the query failed.
    private func view(of record: NodeRecord, via link: PeerLinks.Link) async -> PeerView? {
        let directory = DaemonMailbox.directory(
            root: mailboxRoot, systemIdentifier: link.systemIdentifier, node: record)
        guard
            let facts = try? await link.connection.query(
                """
                SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
                       GREATEST(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn())::text AS lsn,
                       pg_catalog.pg_read_file($1, 0, 1000000, true) AS report
                """, [DaemonMailbox.reportPath(in: directory)], timeout: timeout
            ).first
        else { return nil }
        let inRecovery = record.type == .witness ? nil : facts.bool("in_recovery")
        let lsn = facts.lsn("lsn")
        let reportMissing = facts.string("report") == nil
        if let report = DaemonMailbox.decodeReport(facts.string("report")),
            freshness.isFresh(report, from: record.nodeID)
        {
            var view = report.view
            view.inRecovery = inRecovery
            view.receivedLSN = lsn
            return view
        }
        return PeerView(
            nodeID: record.nodeID, reachable: true, daemonRunning: false, isWitness: record.type == .witness,
            inRecovery: inRecovery, receivedLSN: lsn, priority: record.priority,
            location: record.location, failover: nil, upstreamNodeID: record.upstreamNodeID, seesUpstream: false,
            upstreamLastSeenAgo: nil, term: 0, primaryNodeID: nil, isPaused: false, reportMissing: reportMissing)
    }
}
