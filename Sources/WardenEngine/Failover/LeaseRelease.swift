/// A primary's word that its server stopped and it takes no writes in `term` any more: voters
/// that granted it the lease are free at once (the kill -9 case need not wait out the lease).
public struct LeaseRelease: Sendable, Equatable, Codable {
    /// The former holder.
    public var holderID: Int
    /// The term of the released lease.
    public var term: Int
    /// The number of the last request sent before the release: one still in transit is refused.
    public var sequence: Int

    /// `holderID` releases its lease of `term`, sent `sequence` requests.
    public init(holderID: Int, term: Int, sequence: Int) {
        self.holderID = holderID
        self.term = term
        self.sequence = sequence
    }
}
