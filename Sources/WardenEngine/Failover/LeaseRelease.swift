/// A primary's word that its server stopped and it takes no writes in `term` any more: voters
/// that granted it the lease are free at once (the kill -9 case need not wait out the lease).
public struct LeaseRelease: Sendable, Equatable, Codable {
    /// The former holder.
    public var holderID: Int
    /// The term of the released lease.
    public var term: Int

    /// `holderID` releases its lease of `term`.
    public init(holderID: Int, term: Int) {
        self.holderID = holderID
        self.term = term
    }
}
