/// A voter's answer to a ``VoteRequest``, with what the voter knows about the current primary so
/// that a candidate behind the times learns of a newer term.
public struct VoteReply: Sendable, Equatable, Codable {
    /// The term the request asked for.
    public var term: Int
    /// The voter.
    public var voterID: Int
    /// Whether the vote was granted.
    public var granted: Bool
    /// Why, in plain words (shown in the decision record).
    public var reason: String
    /// The highest term of a promoted primary the voter knows.
    public var knownTerm: Int
    /// The primary of that term, when the voter knows it.
    public var knownPrimaryID: Int?
    /// A refusal because of a lease grant that still binds: how long it still does, in milliseconds.
    public var leaseBindsFor: Int64?

    /// An answer from `voterID`.
    public init(
        term: Int, voterID: Int, granted: Bool, reason: String, knownTerm: Int, knownPrimaryID: Int?,
        leaseBindsFor: Int64? = nil
    ) {
        self.leaseBindsFor = leaseBindsFor
        self.term = term
        self.voterID = voterID
        self.granted = granted
        self.reason = reason
        self.knownTerm = knownTerm
        self.knownPrimaryID = knownPrimaryID
    }
}
