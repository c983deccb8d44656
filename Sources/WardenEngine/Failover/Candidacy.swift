/// A node's bid to become primary in one voting term, from the moment it wins the ranking until
/// it promotes or gives up: who may vote, who granted, who refused.
public struct Candidacy: Sendable, Equatable, Codable {
    /// The term this node asks to be primary in.
    public var term: Int
    /// The primary whose loss started the election.
    public var failedPrimary: Int
    /// Every node whose vote counts, this one included: the active nodes other than the failed primary.
    public var voters: [Int]
    /// Voters that granted their vote (this node first).
    public var granted: [Int]
    /// Voters that refused.
    public var refused: [Int]
    /// When the votes still missing are given up on.
    public var deadline: MonitorInstant
    /// When the vote requests were sent: a vote is also a lease grant counted from then.
    public var requestedAt: MonitorInstant?

    /// A candidacy that so far has only this node's own vote.
    public init(term: Int, failedPrimary: Int, voters: [Int], selfID: Int, deadline: MonitorInstant) {
        self.term = term
        self.failedPrimary = failedPrimary
        self.voters = voters
        self.granted = [selfID]
        self.refused = []
        self.deadline = deadline
    }

    /// Votes needed: more than half of the voters.
    public var quorum: Int { voters.count / 2 + 1 }

    /// Whether more than half of the voters granted.
    public var hasQuorum: Bool { granted.count >= quorum }

    /// Whether so many refused that the quorum can no longer be reached.
    public var cannotWin: Bool { voters.count - refused.count < quorum }
}
