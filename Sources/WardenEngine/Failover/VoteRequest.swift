/// A candidate's request for one voter's vote: "make me primary in `term`, replacing `failedPrimary`".
public struct VoteRequest: Sendable, Equatable, Codable {
    /// The term asked for.
    public var term: Int
    /// The node asking.
    public var candidateID: Int
    /// The primary whose loss started the election.
    public var failedPrimaryID: Int
    /// The term that primary was promoted in, as the candidate knows it; a voter that knew only
    /// an older term learns of it.
    public var primaryTerm: Int
    /// The candidate's last received LSN; a voter that is itself a better candidate refuses.
    public var receivedLSN: LSN
    /// The candidate's priority (ties on LSN).
    public var priority: Int

    /// A request for `term` by `candidateID`.
    public init(term: Int, candidateID: Int, failedPrimaryID: Int, primaryTerm: Int, receivedLSN: LSN, priority: Int) {
        self.term = term
        self.candidateID = candidateID
        self.failedPrimaryID = failedPrimaryID
        self.primaryTerm = primaryTerm
        self.receivedLSN = receivedLSN
        self.priority = priority
    }
}
