/// Why a node did or did not fail over: the facts an election was decided on (what each node
/// reported, the visibility and majority counts, the location check, the ranking, the votes, the
/// validation command's result) and the rule that decided, in data and in plain words.
///
/// ``CandidateElection/decide(_:)`` produces one; the failover monitor completes it as the votes,
/// the validation and the promotion come in, and hands the latest one to the driver
/// (``MonitorEffect/recordDecision(_:)``) for `daemon status --explain` and the dashboard.
public struct FailoverExplanation: Sendable, Equatable, Codable {
    /// What the deciding node knew about one node sharing the failed upstream (itself included).
    public struct NodeFact: Sendable, Equatable, Codable {
        /// The node's ID.
        public var nodeID: Int
        /// `node "node2" (ID: 2)`.
        public var label: String
        /// This is the deciding node.
        public var isLocal: Bool
        /// The node is a witness.
        public var isWitness: Bool
        /// Its server could be reached.
        public var visible: Bool
        /// Its daemon answered.
        public var daemonRunning: Bool
        /// It still saw the failed primary recently enough to count as seeing it.
        public var seesPrimary: Bool
        /// Milliseconds since it last saw the failed primary, if reported.
        public var lastSawPrimaryAgo: Int64?
        /// Its last received LSN, if known.
        public var receivedLSN: LSN?
        /// Its priority.
        public var priority: Int
        /// Its location.
        public var location: String
        /// It may be promoted in this election.
        public var isCandidate: Bool
        /// Why it may not be promoted ("" for candidates).
        public var note: String

        /// A fact about one node.
        public init(
            nodeID: Int, label: String, isLocal: Bool, isWitness: Bool, visible: Bool, daemonRunning: Bool,
            seesPrimary: Bool, lastSawPrimaryAgo: Int64?, receivedLSN: LSN?, priority: Int, location: String,
            isCandidate: Bool, note: String
        ) {
            self.nodeID = nodeID
            self.label = label
            self.isLocal = isLocal
            self.isWitness = isWitness
            self.visible = visible
            self.daemonRunning = daemonRunning
            self.seesPrimary = seesPrimary
            self.lastSawPrimaryAgo = lastSawPrimaryAgo
            self.receivedLSN = receivedLSN
            self.priority = priority
            self.location = location
            self.isCandidate = isCandidate
            self.note = note
        }
    }

    /// A voter that refused its vote, and why.
    public struct Refusal: Sendable, Equatable, Codable {
        /// The voter.
        public var nodeID: Int
        /// Its reason.
        public var reason: String

        /// A refusal by `nodeID`.
        public init(nodeID: Int, reason: String) {
            self.nodeID = nodeID
            self.reason = reason
        }
    }

    /// The deciding node.
    public var nodeID: Int
    /// Its label, `node "node2" (ID: 2)`.
    public var nodeLabel: String
    /// When it decided.
    public var decidedAt: MonitorInstant
    /// The primary it lost.
    public var failedPrimaryID: Int
    /// That primary's label.
    public var failedPrimaryLabel: String
    /// That primary's location.
    public var primaryLocation: String
    /// The term the election was for.
    public var term: Int
    /// One fact per node sharing the failed upstream, the deciding node first.
    public var nodes: [NodeFact]
    /// Visible nodes sharing the upstream, the deciding node included (repmgr's "visible nodes").
    public var visibleNodes: Int
    /// Nodes sharing the upstream, the deciding node included (repmgr's "total nodes").
    public var sharedUpstreamNodes: Int
    /// All registered nodes (`%t`).
    public var totalNodes: Int
    /// The label of every registered node, for the plain-words text.
    public var labels: [Int: String]
    /// A node of the primary's location was visible.
    public var primaryLocationVisible: Bool
    /// Nodes that still saw the primary within the visibility window.
    public var nodesSeeingPrimary: [Int]
    /// The visibility window: twice `monitor_interval_secs`, in milliseconds.
    public var visibilityWindow: Int64
    /// `primary_visibility_consensus` was on.
    public var consensusRequired: Bool
    /// The candidates, best first: highest received LSN, then priority, then lowest node ID.
    public var ranking: [Int]
    /// The result and the rule behind it.
    public var result: ElectionResult
    /// The nodes whose votes count for the term (empty until the deciding node asks for votes).
    public var voters: [Int]
    /// The voters that granted.
    public var votesGranted: [Int]
    /// The voters that refused, with their reasons.
    public var refusals: [Refusal]
    /// `failover_validation_command`'s verdict, when it ran.
    public var validationSucceeded: Bool?
    /// Whether the promotion worked, once tried.
    public var promotionSucceeded: Bool?

    /// An explanation with no votes, validation or promotion yet.
    public init(
        nodeID: Int, nodeLabel: String, decidedAt: MonitorInstant, failedPrimaryID: Int, failedPrimaryLabel: String,
        primaryLocation: String, term: Int, nodes: [NodeFact], visibleNodes: Int, sharedUpstreamNodes: Int,
        totalNodes: Int, labels: [Int: String], primaryLocationVisible: Bool, nodesSeeingPrimary: [Int],
        visibilityWindow: Int64,
        consensusRequired: Bool, ranking: [Int], result: ElectionResult
    ) {
        self.nodeID = nodeID
        self.nodeLabel = nodeLabel
        self.decidedAt = decidedAt
        self.failedPrimaryID = failedPrimaryID
        self.failedPrimaryLabel = failedPrimaryLabel
        self.primaryLocation = primaryLocation
        self.term = term
        self.nodes = nodes
        self.visibleNodes = visibleNodes
        self.sharedUpstreamNodes = sharedUpstreamNodes
        self.totalNodes = totalNodes
        self.labels = labels
        self.primaryLocationVisible = primaryLocationVisible
        self.nodesSeeingPrimary = nodesSeeingPrimary
        self.visibilityWindow = visibilityWindow
        self.consensusRequired = consensusRequired
        self.ranking = ranking
        self.result = result
        self.voters = []
        self.votesGranted = []
        self.refusals = []
    }

    // MARK: - Plain words

    /// One sentence: what the node does and the rule that decided it.
    public var summary: String {
        switch result {
        case .won:
            let reason = "this node is the promotion candidate: " + rankingReason(winner: nodeID)
            switch promotionSucceeded {
            case true?: return "promoted in term \(term); " + reason
            case false?: return "won the election for term \(term), but the promotion failed; " + reason
            case nil: return reason
            }
        case .lost(let winner):
            if ranking.first == winner {
                return "\(label(winner)) is the promotion candidate: " + rankingReason(winner: winner)
                    + "; this node will follow it"
            }
            return "\(label(winner)) is the promotion candidate; this node will follow it"
        case .notCandidate(let reason, let expected):
            let waiting =
                expected.map { "; waiting for \(label($0)) to promote" } ?? "; no visible node can be promoted"
            switch reason {
            case .manualFailover:
                return "this node does not fail over by itself: failover=manual (an operator has to run "
                    + "\"pgwarden standby follow\" or \"standby promote\")"
            case .priorityZero: return "this node has priority 0 and is never promoted" + waiting
            case .witness: return "a witness is never promoted" + waiting
            case .localStateUnknown:
                return "the local server's received LSN could not be read, so this node is not a candidate" + waiting
            case .votedFor(let candidate, let votedTerm):
                if candidate == nodeID {
                    return "this node was the candidate of term \(votedTerm) before its daemon restarted and waits "
                        + "for that promotion to finish"
                }
                return "this node voted for \(label(candidate)) in term \(votedTerm) and waits for it to promote"
            }
        case .cancelled(let reason):
            switch reason {
            case .paused: return "no failover: the daemon is paused (\"pgwarden daemon unpause\" resumes it)"
            case .newPrimaryFound(let node, let newTerm):
                return "\(label(node)) already runs as primary (term \(newTerm)): this node follows it"
            case .primaryLocationNotVisible(let location):
                return "no failover: no node in the primary's location \"\(location)\" is visible, "
                    + "assuming a network split"
            case .primaryStillVisible(let nodes):
                let verb = nodes.count == 1 ? "still sees" : "still see"
                return "no failover: \(labels(nodes)) \(verb) the primary and primary_visibility_consensus is on"
            case .noMajority(let visible, let total):
                return "no failover: only \(visible) of \(total) nodes sharing the upstream are visible, "
                    + "which is not a majority"
            case .noQuorum(let granted, let voters):
                return "no failover: only \(granted) of \(voters) voters granted their vote for term \(term) "
                    + "(\(voters / 2 + 1) needed)"
            case .primaryReappeared: return "no failover: the primary answered again"
            case .leaseBinding(let holder, let leaseTerm):
                let whom = holder.map { label($0) } ?? "the primary (granted before this daemon started)"
                return "no failover yet: this node granted \(whom) the lease of term \(leaseTerm), which may still be "
                    + "valid; the election runs again when it has expired"
            }
        case .rerun:
            return "failover_validation_command refused the promotion; the election runs again after "
                + "election_rerun_interval"
        }
    }

    /// The whole explanation, one fact per line.
    public var lines: [String] {
        var lines = [
            "\(nodeLabel) decided at \(decidedAt): upstream \(failedPrimaryLabel) is unreachable (election for term \(term))",
            "decision: \(result.repmgrName): \(summary)",
        ]
        guard !nodes.isEmpty else { return lines }
        let needed = sharedUpstreamNodes / 2 + 1
        lines.append(
            "visibility: \(visibleNodes) of \(sharedUpstreamNodes) nodes sharing the upstream are visible "
                + "(a majority is \(needed)); \(totalNodes) nodes registered")
        let inLocation = nodes.filter { $0.visible && $0.location == primaryLocation }.map(\.nodeID)
        lines.append(
            primaryLocationVisible
                ? "location: the primary's location \"\(primaryLocation)\" is visible (\(labels(inLocation)))"
                : "location: no visible node is in the primary's location \"\(primaryLocation)\"")
        let window = "\(visibilityWindow / 1000) s"
        if nodesSeeingPrimary.isEmpty {
            lines.append("primary visibility: no node has seen the primary within the last \(window)")
        } else {
            let verb = nodesSeeingPrimary.count == 1 ? "sees" : "see"
            lines.append(
                "primary visibility: \(labels(nodesSeeingPrimary)) still \(verb) the primary "
                    + (consensusRequired
                        ? "and primary_visibility_consensus is on" : "(ignored: primary_visibility_consensus is off)"))
        }
        if !ranking.isEmpty {
            let ranked = ranking.enumerated().map { index, node in
                let fact = nodes.first { $0.nodeID == node }
                let lsn = fact?.receivedLSN?.description ?? "unknown"
                return "\(index + 1). \(label(node)) LSN \(lsn) priority \(fact?.priority ?? 0)"
            }
            lines.append("ranking: " + ranked.joined(separator: "; "))
        }
        for fact in nodes {
            lines.append("  - " + describe(fact))
        }
        if !voters.isEmpty {
            var votes = "votes for term \(term): \(votesGranted.count) of \(voters.count) granted "
            votes += "(\(voters.count / 2 + 1) needed): \(labels(votesGranted))"
            if !refusals.isEmpty {
                votes += "; refused by " + refusals.map { "\(label($0.nodeID)) (\($0.reason))" }.joined(separator: ", ")
            }
            lines.append(votes)
        }
        if let validationSucceeded {
            lines.append(
                "validation: failover_validation_command " + (validationSucceeded ? "succeeded" : "failed"))
        }
        if let promotionSucceeded {
            lines.append("promotion: " + (promotionSucceeded ? "succeeded" : "failed"))
        }
        return lines
    }

    /// ``lines`` joined with newlines.
    public var text: String { lines.joined(separator: "\n") }

    // MARK: - Helpers

    private func label(_ node: Int) -> String {
        if node == failedPrimaryID { return failedPrimaryLabel }
        return labels[node] ?? "node \(node)"
    }

    private func labels(_ nodes: [Int]) -> String {
        nodes.isEmpty ? "none" : nodes.map(label).joined(separator: ", ")
    }

    /// Why `winner` ranks first: compared with the runner-up, by the first rule that separates them.
    private func rankingReason(winner: Int) -> String {
        guard let first = nodes.first(where: { $0.nodeID == winner }) else { return "it ranks first" }
        let others = ranking.filter { $0 != winner }
        guard let second = others.first, let runnerUp = nodes.first(where: { $0.nodeID == second }) else {
            return "it is the only candidate"
        }
        let firstLSN = first.receivedLSN ?? .zero
        let secondLSN = runnerUp.receivedLSN ?? .zero
        if firstLSN != secondLSN {
            return "highest received LSN (\(firstLSN) against \(secondLSN) on \(runnerUp.label))"
        }
        if first.priority != runnerUp.priority {
            return "same LSN as \(runnerUp.label), higher priority (\(first.priority) against \(runnerUp.priority))"
        }
        return "same LSN and priority as \(runnerUp.label), lower node ID"
    }

    private func describe(_ fact: NodeFact) -> String {
        var parts: [String] = []
        if fact.isLocal { parts.append("this node") }
        if fact.isWitness { parts.append("witness") }
        if !fact.isLocal {
            parts.append(fact.visible ? "visible" : "not visible")
            if fact.visible && !fact.daemonRunning { parts.append("daemon not running") }
        }
        if let ago = fact.lastSawPrimaryAgo, !fact.isLocal {
            parts.append("last saw the primary \(ago / 1000) s ago" + (fact.seesPrimary ? " (still sees it)" : ""))
        }
        if !fact.isWitness, let lsn = fact.receivedLSN { parts.append("LSN \(lsn)") }
        parts.append("priority \(fact.priority)")
        parts.append("location \"\(fact.location)\"")
        parts.append(fact.isCandidate ? "candidate" : "not a candidate: \(fact.note)")
        return fact.label + ": " + parts.joined(separator: ", ")
    }
}
