/// Failed follows of one new primary are retried after a pause that doubles with each failure
/// (one monitoring interval first, at most a minute), not at every poll that names the primary:
/// a follow command that keeps failing must not run in a tight loop.
public struct FollowBackoff: Sendable, Equatable, Codable {
    /// The primary the failed follows were for.
    public let target: Int
    /// Failed follows of `target` in a row.
    public let failures: Int
    /// No new follow of `target` starts before then.
    public let notBefore: MonitorInstant

    /// The longest pause between two follows of the same primary.
    public static let ceiling: Int64 = 60_000

    /// The backoff after one more failure to follow `target`, counting from `earlier` when it was for the same primary.
    public init(after earlier: FollowBackoff?, target: Int, interval: Int64, now: MonitorInstant) {
        let failures = earlier?.target == target ? (earlier?.failures ?? 0) + 1 : 1
        self.target = target
        self.failures = failures
        self.notBefore = now.advanced(by: min(max(interval, 1) << min(failures - 1, 16), Self.ceiling))
    }

    /// Whether a follow of `primary` must wait at `now`.
    public func defers(_ primary: Int, at now: MonitorInstant) -> Bool {
        primary == target && now < notBefore
    }
}
