/// The election a standby runs after losing its primary, as a pure function of what it knows
/// (repmgr 5.3's `do_election`, step for step):
///
/// 1. a witness, a `failover=manual` node and a paused daemon never start one;
/// 2. a peer already running as primary of a newer term is followed instead;
/// 3. a node that voted for a candidate waits for it (for itself: a promotion asked for before
///    its daemon restarted may still be under way);
/// 4. a node whose received LSN is unknown, or with `priority=0`, is not a candidate;
/// 5. location: at least one visible node (itself included) must be in the failed primary's
///    location, otherwise a network split is assumed;
/// 6. primary visibility: with `primary_visibility_consensus`, any sibling or witness that saw the
///    primary within two monitoring intervals cancels the failover;
/// 7. majority: visible nodes (itself included) must be more than half of the nodes sharing the
///    failed upstream (its siblings, witness included, plus itself);
/// 8. ranking of the candidates — visible siblings with a running daemon, not a witness, still in
///    recovery, `failover=automatic`, priority above 0: highest received LSN, then highest
///    priority, then lowest node ID. The first one wins.
///
/// Every node computes the same ranking from the same facts; the vote for the next term (see
/// ``FailoverMonitor``) makes sure that, even when their facts differ, one term gets at most one
/// promotion.
public enum CandidateElection {
    /// Decides one election and explains the decision.
    public static func decide(_ input: ElectionInput) -> FailoverExplanation {
        let records = Dictionary(input.nodes.map { ($0.nodeID, $0) }, uniquingKeysWith: { first, _ in first })
        let views = Dictionary(input.views.map { ($0.nodeID, $0) }, uniquingKeysWith: { _, last in last })
        let primary = records[input.failedPrimaryID]
        let primaryLocation = primary?.location ?? "default"
        let siblings = siblingRecords(
            of: input.failedPrimaryID, excluding: input.nodeID, in: input.nodes, views: input.views)
        let window = input.settings.primaryVisibilityWindow

        var facts = [localFact(input, label: records[input.nodeID]?.label ?? "node \(input.nodeID)")]
        for sibling in siblings {
            facts.append(
                siblingFact(
                    sibling, view: views[sibling.nodeID], failedPrimary: input.failedPrimaryID, window: window,
                    knownTerm: input.knownTerm))
        }
        let ranking = facts.filter(\.isCandidate).sorted(by: ranksBefore).map(\.nodeID)
        let visible = facts.filter(\.visible).count
        let seeingPrimary = facts.filter { !$0.isLocal && $0.seesPrimary }.map(\.nodeID)
        let locationVisible = facts.contains { $0.visible && $0.location == primaryLocation }

        var explanation = FailoverExplanation(
            nodeID: input.nodeID, nodeLabel: facts[0].label, decidedAt: input.decidedAt,
            failedPrimaryID: input.failedPrimaryID,
            failedPrimaryLabel: primary?.label ?? "node \(input.failedPrimaryID)",
            primaryLocation: primaryLocation, term: input.term, nodes: facts, visibleNodes: visible,
            sharedUpstreamNodes: facts.count, totalNodes: input.nodes.count,
            labels: records.mapValues(\.label), primaryLocationVisible: locationVisible,
            nodesSeeingPrimary: seeingPrimary, visibilityWindow: window,
            consensusRequired: input.settings.primaryVisibilityConsensus, ranking: ranking, result: .won)
        explanation.result = result(
            input, facts: facts, ranking: ranking, visible: visible, seeingPrimary: seeingPrimary,
            locationVisible: locationVisible, primaryLocation: primaryLocation, newPrimary: newPrimary(in: input))
        return explanation
    }

    /// The nodes whose votes count when `failedPrimary` is replaced: every active node but it.
    /// Unlike repmgr's visibility count (siblings only), the vote counts the whole cluster so
    /// that two candidates reading slightly different records still need overlapping majorities.
    public static func voters(replacing failedPrimary: Int, in nodes: [NodeRecord]) -> [Int] {
        nodes.filter { $0.active && $0.nodeID != failedPrimary && $0.type != .bdr }.map(\.nodeID).sorted()
    }

    /// Whether candidate `a` ranks before candidate `b`: higher LSN, then higher priority, then lower node ID.
    public static func ranksBefore(
        lsn a: LSN, priority aPriority: Int, nodeID aID: Int, lsn b: LSN, priority bPriority: Int, nodeID bID: Int
    ) -> Bool {
        if a != b { return a > b }
        if aPriority != bPriority { return aPriority > bPriority }
        return aID < bID
    }

    // MARK: - Steps

    private static func result(
        _ input: ElectionInput, facts: [FailoverExplanation.NodeFact], ranking: [Int], visible: Int,
        seeingPrimary: [Int], locationVisible: Bool, primaryLocation: String, newPrimary: PeerView?
    ) -> ElectionResult {
        let best = ranking.first { $0 != input.nodeID }
        let isWitness = input.nodes.first { $0.nodeID == input.nodeID }?.type == .witness
        if isWitness { return .notCandidate(.witness, expectedWinner: best) }
        if input.settings.failover == .manual { return .notCandidate(.manualFailover, expectedWinner: best) }
        if input.isPaused { return .cancelled(.paused) }
        if let newPrimary { return .cancelled(.newPrimaryFound(nodeID: newPrimary.nodeID, term: newPrimary.term)) }
        if let vote = input.pendingVote {
            return .notCandidate(
                .votedFor(candidate: vote.candidateID, term: vote.term), expectedWinner: vote.candidateID)
        }
        if input.localLSN == nil { return .notCandidate(.localStateUnknown, expectedWinner: best) }
        if input.settings.priority <= 0 { return .notCandidate(.priorityZero, expectedWinner: best) }
        if !locationVisible { return .cancelled(.primaryLocationNotVisible(location: primaryLocation)) }
        if input.settings.primaryVisibilityConsensus && !seeingPrimary.isEmpty {
            return .cancelled(.primaryStillVisible(nodeIDs: seeingPrimary))
        }
        if visible * 2 <= facts.count { return .cancelled(.noMajority(visible: visible, total: facts.count)) }
        if let winner = ranking.first, winner != input.nodeID { return .lost(winner: winner) }
        return .won
    }

    /// The nodes sharing the failed upstream, other than `node`: active standbys and witnesses
    /// whose record names `failedPrimary` as upstream, and registered nodes whose daemon reports
    /// it as its upstream while running as a standby or witness (their record may be stale: not
    /// yet updated after a follow or a rejoin).
    static func siblingRecords(
        of failedPrimary: Int, excluding node: Int, in nodes: [NodeRecord], views: [PeerView]
    ) -> [NodeRecord] {
        nodes.filter { record in
            guard record.nodeID != node, record.nodeID != failedPrimary, record.type != .bdr else { return false }
            if record.active && record.upstreamNodeID == failedPrimary && record.type != .primary { return true }
            return views.contains {
                $0.nodeID == record.nodeID && $0.reachable && $0.daemonRunning && $0.upstreamNodeID == failedPrimary
                    && ($0.isWitness || $0.inRecovery == true)
            }
        }.sorted { $0.nodeID < $1.nodeID }
    }

    /// A polled node (sibling or not) running as primary of a newer term than the node knows:
    /// the newest term, then the lowest node ID.
    private static func newPrimary(in input: ElectionInput) -> PeerView? {
        input.views.filter { $0.nodeID != input.nodeID && $0.isPrimary(newerThan: input.knownTerm) }
            .min { $0.term != $1.term ? $0.term > $1.term : $0.nodeID < $1.nodeID }
    }

    private static func localFact(_ input: ElectionInput, label: String) -> FailoverExplanation.NodeFact {
        let settings = input.settings
        let note: String
        if settings.failover == .manual {
            note = "failover=manual"
        } else if settings.priority <= 0 {
            note = "priority 0"
        } else if input.localLSN == nil {
            note = "received LSN unknown"
        } else {
            note = ""
        }
        let isWitness = input.nodes.first { $0.nodeID == input.nodeID }?.type == .witness
        return FailoverExplanation.NodeFact(
            nodeID: input.nodeID, label: label, isLocal: true, isWitness: isWitness, visible: true,
            daemonRunning: true, seesPrimary: false, lastSawPrimaryAgo: nil, receivedLSN: input.localLSN,
            priority: settings.priority, location: settings.location, isCandidate: note.isEmpty && !isWitness,
            note: isWitness ? "witness" : note)
    }

    private static func siblingFact(
        _ record: NodeRecord, view: PeerView?, failedPrimary: Int, window: Int64, knownTerm: Int
    ) -> FailoverExplanation.NodeFact {
        let view = view ?? .unreachable(record)
        let isWitness = record.type == .witness || view.isWitness
        let seesPrimary =
            view.reachable && view.daemonRunning && view.upstreamNodeID == failedPrimary && view.seesUpstream
            && (view.upstreamLastSeenAgo.map { $0 < window } ?? false)
        let note: String
        if !view.reachable {
            note = "not visible"
        } else if isWitness {
            note = "witness"
        } else if !view.daemonRunning {
            note = "daemon not running"
        } else if view.inRecovery == false {
            note = view.term > knownTerm ? "already primary" : "not in recovery (not following the failed primary)"
        } else if view.failover != .automatic {
            note = "failover=manual"
        } else if view.priority <= 0 {
            note = "priority 0"
        } else if view.receivedLSN == nil {
            note = "received LSN unknown"
        } else {
            note = ""
        }
        return FailoverExplanation.NodeFact(
            nodeID: record.nodeID, label: record.label, isLocal: false, isWitness: isWitness, visible: view.reachable,
            daemonRunning: view.reachable && view.daemonRunning, seesPrimary: seesPrimary,
            lastSawPrimaryAgo: view.daemonRunning && view.upstreamNodeID == failedPrimary
                ? view.upstreamLastSeenAgo : nil,
            receivedLSN: view.reachable ? view.receivedLSN : nil, priority: view.priority, location: view.location,
            isCandidate: note.isEmpty, note: note)
    }

    private static func ranksBefore(_ a: FailoverExplanation.NodeFact, _ b: FailoverExplanation.NodeFact) -> Bool {
        ranksBefore(
            lsn: a.receivedLSN ?? .zero, priority: a.priority, nodeID: a.nodeID, lsn: b.receivedLSN ?? .zero,
            priority: b.priority, nodeID: b.nodeID)
    }
}
