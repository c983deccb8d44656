/// A moment on the failover monitor's clock, in milliseconds since an origin the driver chooses
/// (for example the daemon's start). The monitor never reads a clock itself: the driver passes
/// `now` to every step, and the simulation passes its fake clock.
public struct MonitorInstant: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since the origin.
    public var milliseconds: Int64

    /// The instant `milliseconds` after the origin.
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// The origin.
    public static let zero = MonitorInstant(milliseconds: 0)

    /// The instant `milliseconds` later (earlier when negative).
    public func advanced(by milliseconds: Int64) -> MonitorInstant {
        MonitorInstant(milliseconds: self.milliseconds &+ milliseconds)
    }

    /// Milliseconds from `earlier` to this instant (negative when `earlier` is later).
    public func milliseconds(since earlier: MonitorInstant) -> Int64 {
        milliseconds &- earlier.milliseconds
    }

    /// Seconds with three decimals, e.g. `12.500s`.
    public var description: String {
        let sign = milliseconds < 0 ? "-" : ""
        let magnitude = milliseconds.magnitude
        let fraction = String(magnitude % 1000)
        return sign + String(magnitude / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
            + "s"
    }

    /// A duration in seconds with three decimals, e.g. `4.881 s`.
    public static func durationText(milliseconds: Int64) -> String {
        MonitorInstant(milliseconds: milliseconds).description.dropLast() + " s"
    }

    /// Earlier instants come first.
    public static func < (lhs: MonitorInstant, rhs: MonitorInstant) -> Bool { lhs.milliseconds < rhs.milliseconds }
}
