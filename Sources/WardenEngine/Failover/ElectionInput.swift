/// The facts one node decides an election on: who it is, its settings and received LSN, the
/// primary it lost, the node records, what each polled peer reported, and the terms.
public struct ElectionInput: Sendable, Equatable {
    /// The deciding node.
    public var nodeID: Int
    /// Its settings.
    public var settings: FailoverSettings
    /// Its server's last received LSN (nil when it could not be read).
    public var localLSN: LSN?
    /// The primary whose loss is confirmed.
    public var failedPrimaryID: Int
    /// Every registered node.
    public var nodes: [NodeRecord]
    /// What the polled peers reported (a sibling without a view counts as unreachable).
    public var views: [PeerView]
    /// The term this election would promote in.
    public var term: Int
    /// The newest term of a promoted primary the node knows; a peer running as primary of a newer
    /// term is followed instead of holding an election.
    public var knownTerm: Int
    /// The daemon is paused.
    public var isPaused: Bool
    /// A vote this node gave and still waits on (for another candidate, or for itself before a restart).
    public var pendingVote: VoteRecord?
    /// When the decision is taken.
    public var decidedAt: MonitorInstant

    /// The facts of one election.
    public init(
        nodeID: Int, settings: FailoverSettings, localLSN: LSN?, failedPrimaryID: Int, nodes: [NodeRecord],
        views: [PeerView], term: Int, knownTerm: Int, isPaused: Bool = false, pendingVote: VoteRecord? = nil,
        decidedAt: MonitorInstant
    ) {
        self.nodeID = nodeID
        self.settings = settings
        self.localLSN = localLSN
        self.failedPrimaryID = failedPrimaryID
        self.nodes = nodes
        self.views = views
        self.term = term
        self.knownTerm = knownTerm
        self.isPaused = isPaused
        self.pendingVote = pendingVote
        self.decidedAt = decidedAt
    }
}
