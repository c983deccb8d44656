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
    /// The lease request granted (nil: a vote, or the hold after a start).
    public var sequence: Int?

    /// A promise to `holderID` until `expiresAt`.
    public init(holderID: Int?, term: Int, expiresAt: MonitorInstant, sequence: Int? = nil) {
        self.holderID = holderID
        self.term = term
        self.expiresAt = expiresAt
        self.sequence = sequence
    }

    /// Whether the promise still binds at `now`.
    public func binds(at now: MonitorInstant) -> Bool { now < expiresAt }

    /// Whether `release` ends this promise: it is the holder's, and no newer than the request
    /// granted (a request sent after the release, and delivered before it, still binds).
    func isReleased(by release: LeaseRelease) -> Bool {
        (holderID == nil || holderID == release.holderID) && term <= release.term
            && (sequence ?? 0) <= release.sequence
    }
}
