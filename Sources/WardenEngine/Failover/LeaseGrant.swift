/// A voter's promise: until `expiresAt` on its own clock it votes for no candidate other than
/// `holderID` (itself included). Given by granting a ``LeaseRequest`` or a vote, and held for a
/// lease duration after the daemon starts or notices that it stalled (`holderID` nil: it does not
/// know whom it may have promised).
public struct LeaseGrant: Sendable, Equatable, Codable {
    /// The primary (or candidate) the promise is for; nil after a start or a stall.
    public var holderID: Int?
    /// The term of that primary or candidate.
    public var term: Int
    /// When the promise ends, on this daemon's clock.
    public var expiresAt: MonitorInstant

    /// A promise to `holderID` until `expiresAt`.
    public init(holderID: Int?, term: Int, expiresAt: MonitorInstant) {
        self.holderID = holderID
        self.term = term
        self.expiresAt = expiresAt
    }

    /// Whether the promise still binds at `now`.
    public func binds(at now: MonitorInstant) -> Bool { now < expiresAt }

    /// Whether a release by `holder` of its lease of `term` ends this promise.
    func isReleased(by holder: Int, term: Int) -> Bool {
        (holderID == nil || holderID == holder) && self.term <= term
    }
}
