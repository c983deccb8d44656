/// The vote a node gave last: at most one candidate per term. The driver stores it durably when
/// told to (``MonitorEffect/recordVote(_:)``) before any reply leaves, and hands it back to
/// ``FailoverMonitor/start(context:now:runsAsPrimary:upstreamNodeID:vote:paused:)`` after a restart, so that a restarted node
/// cannot vote twice in one term.
public struct VoteRecord: Sendable, Equatable, Codable {
    /// The term voted in.
    public var term: Int
    /// The node voted for (this node itself when it is the candidate).
    public var candidateID: Int
    /// When the vote was given; until `primary_notification_timeout` later the voter waits for that
    /// candidate rather than back another one.
    public var grantedAt: MonitorInstant
    /// Whether the candidate has since given up (the voter is free again, but never in this term).
    public var released: Bool

    /// A vote for `candidateID` in `term`, given at `grantedAt`.
    public init(term: Int, candidateID: Int, grantedAt: MonitorInstant, released: Bool = false) {
        self.term = term
        self.candidateID = candidateID
        self.grantedAt = grantedAt
        self.released = released
    }
}
