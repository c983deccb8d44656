/// A primary's request to one voter, sent every monitoring interval: "grant me (again) the lease
/// of `term`". `sequence` tells the holder which of its requests an answer grants, and so from
/// which instant on its own clock that grant counts.
public struct LeaseRequest: Sendable, Equatable, Codable {
    /// The primary asking.
    public var holderID: Int
    /// The term it was promoted in.
    public var term: Int
    /// Its request number, growing by one with each round.
    public var sequence: Int
    /// Sent by a primary that fenced itself when its lease ran out (nil: an ordinary renewal).
    public var afterFence: Bool?

    /// A request of `holderID` for the lease of `term`.
    public init(holderID: Int, term: Int, sequence: Int) {
        self.holderID = holderID
        self.term = term
        self.sequence = sequence
    }
}
