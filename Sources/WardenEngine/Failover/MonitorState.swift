/// Everything a daemon's failover monitor remembers between two steps: the phase it is in, the
/// node's current role and upstream, the newest voting term it knows, its last vote, whether it
/// is paused, and when it last saw its upstream. A plain value: the driver keeps the latest one
/// and can show it (`daemon status`), and the simulation keeps one per simulated node.
public struct MonitorState: Sendable, Equatable, Codable {
    /// Where the daemon is in monitoring and failover.
    public var phase: MonitorPhase
    /// What the local node currently is.
    public var role: MonitorRole
    /// The node this one follows (nil on the primary).
    public var upstreamNodeID: Int?
    /// The cluster's primary as this daemon knows it.
    public var primaryNodeID: Int?
    /// The newest term in which a primary was promoted, as far as this daemon knows.
    public var term: Int
    /// The term this node was promoted in, while it is (or still believes it is) a primary.
    public var promotedTerm: Int?
    /// The last vote this node gave (see ``VoteRecord``).
    public var vote: VoteRecord?
    /// `daemon pause` is in effect: monitoring goes on, failover does not.
    public var isPaused: Bool
    /// When the upstream last answered a check.
    public var upstreamLastSeen: MonitorInstant?
    /// When degraded monitoring began (kept across election reruns; cleared by normal monitoring).
    public var degradedSince: MonitorInstant?
    /// When the next periodic check is due.
    public var nextCheck: MonitorInstant
    /// When the check still unanswered was asked for.
    public var checkRequestedAt: MonitorInstant?
    /// When the latest peer poll still unanswered was asked for.
    public var pollRequestedAt: MonitorInstant?
    /// Peer polls asked for and not answered yet (answers come in the order asked).
    public var pollsPending = 0
    /// The latest failover decision, with its explanation.
    public var lastDecision: FailoverExplanation?
    /// The lease this node holds while it is primary (see ``PrimaryLease``).
    public var lease: PrimaryLease?
    /// The promise this node gave as a voter (see ``LeaseGrant``).
    public var leaseGrant: LeaseGrant?
    /// The latest release of a lease this node heard of (the holder's server stopped); a later
    /// grant to the same holder clears it.
    public var releasedLease: LeaseRelease?
    /// When this node heard of ``releasedLease``.
    public var releaseHeardAt: MonitorInstant?
    /// An election waits until then for this node's own lease grant to end.
    public var electionDeferredUntil: MonitorInstant?
    /// Failed follows of the new primary so far, and when the next may start.
    public var followBackoff: FollowBackoff?

    /// A state in `phase` for a node with `role`; everything else starts empty.
    public init(
        phase: MonitorPhase, role: MonitorRole, upstreamNodeID: Int?, primaryNodeID: Int?, term: Int,
        promotedTerm: Int? = nil, vote: VoteRecord? = nil, isPaused: Bool = false, nextCheck: MonitorInstant
    ) {
        self.phase = phase
        self.role = role
        self.upstreamNodeID = upstreamNodeID
        self.primaryNodeID = primaryNodeID
        self.term = term
        self.promotedTerm = promotedTerm
        self.vote = vote
        self.isPaused = isPaused
        self.nextCheck = nextCheck
    }

    /// Whether the daemon currently sees its upstream: normal monitoring after a successful check.
    public var seesUpstream: Bool {
        role != .primary && phase == .monitoring && upstreamLastSeen != nil
    }

    /// The term this node reports to others: a primary its own promotion term (even when it
    /// has learnt that it was superseded), any other node the newest term it knows. A node being
    /// promoted does not claim its new term before the promotion has worked.
    public var reportedTerm: Int {
        if role == .primary, let promotedTerm { return promotedTerm }
        return term
    }

    /// The primary this node reports to others: itself while it is primary.
    func reportedPrimary(nodeID: Int) -> Int? {
        role == .primary ? nodeID : primaryNodeID
    }

    /// What this daemon answers when another daemon polls it. The driver adds what only the
    /// server knows: whether it is in recovery and its last received LSN.
    public func report(
        nodeID: Int, settings: FailoverSettings, inRecovery: Bool?, receivedLSN: LSN?, now: MonitorInstant
    ) -> PeerView {
        PeerView(
            nodeID: nodeID, reachable: true, daemonRunning: true, isWitness: role == .witness, inRecovery: inRecovery,
            receivedLSN: receivedLSN, priority: settings.priority, location: settings.location,
            failover: settings.failover, upstreamNodeID: upstreamNodeID, seesUpstream: seesUpstream,
            upstreamLastSeenAgo: upstreamLastSeen.map { now.milliseconds(since: $0) }, term: reportedTerm,
            primaryNodeID: reportedPrimary(nodeID: nodeID), isPaused: isPaused, isDegraded: phase.isDegraded)
    }
}
