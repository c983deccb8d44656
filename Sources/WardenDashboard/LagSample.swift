/// One standby's lag at one refresh: bytes behind the primary and seconds since the last
/// replayed commit (either may be unknown, for example while the standby is unreachable).
public struct LagSample: Sendable, Equatable {
    public var bytes: Double?
    public var seconds: Double?

    public init(bytes: Double?, seconds: Double?) {
        self.bytes = bytes
        self.seconds = seconds
    }
}
