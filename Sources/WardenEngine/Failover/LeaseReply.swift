/// A voter's answer to a ``LeaseRequest``, with what it knows of the newest primary so that a
/// superseded holder learns of it.
public struct LeaseReply: Sendable, Equatable, Codable {
    /// The voter.
    public var voterID: Int
    /// The request answered.
    public var request: LeaseRequest
    /// Whether the voter granted it.
    public var granted: Bool
    /// Why not, in plain words ("granted" otherwise).
    public var reason: String
    /// The highest term of a promoted primary the voter knows.
    public var knownTerm: Int
    /// The primary of that term, when the voter knows it.
    public var knownPrimaryID: Int?

    /// `voterID`'s answer to `request`.
    public init(
        voterID: Int, request: LeaseRequest, granted: Bool, reason: String, knownTerm: Int, knownPrimaryID: Int?
    ) {
        self.voterID = voterID
        self.request = request
        self.granted = granted
        self.reason = reason
        self.knownTerm = knownTerm
        self.knownPrimaryID = knownPrimaryID
    }
}
