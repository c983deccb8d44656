/// One round of asking the peers what they see (``MonitorEffect/pollPeers(nodeIDs:bestEffort:)``):
/// every peer at once, its server's recovery state and received LSN and its daemon's report, in
/// one round trip on a kept link (``PeerLinks``).
struct PeerPoll: Sendable {
    let links: PeerLinks
    let reader: PeerReportReader
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
        guard
            let facts = try? await link.connection.query(
                PeerReportReader.pollQuery, [StateDirectoryPointer.fileName], timeout: timeout
            ).first
        else { return nil }
        let inRecovery = record.type == .witness ? nil : facts.bool("in_recovery")
        let lsn = facts.lsn("lsn")
        let outcome = reader.outcome(
            pointer: facts.string("pointer"), report: facts.string("report"), from: record.nodeID)
        if case .report(let report) = outcome, freshness.isFresh(report, from: record.nodeID) {
            var view = report.view
            view.inRecovery = inRecovery
            view.receivedLSN = lsn
            return view
        }
        let reportMissing = outcome == .missing
        return PeerView(
            nodeID: record.nodeID, reachable: true, daemonRunning: false, isWitness: record.type == .witness,
            inRecovery: inRecovery, receivedLSN: lsn, priority: record.priority,
            location: record.location, failover: nil, upstreamNodeID: record.upstreamNodeID, seesUpstream: false,
            upstreamLastSeenAgo: nil, term: 0, primaryNodeID: nil, isPaused: false, reportMissing: reportMissing)
    }
}
