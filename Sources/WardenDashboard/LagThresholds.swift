/// `replication_lag_warning` / `replication_lag_critical` (seconds), which colour lag values.
public struct LagThresholds: Sendable, Equatable {
    public var warningSeconds: Double
    public var criticalSeconds: Double

    public init(warningSeconds: Double = 300, criticalSeconds: Double = 600) {
        self.warningSeconds = warningSeconds
        self.criticalSeconds = criticalSeconds
    }

    /// The role a time lag of `seconds` is drawn in.
    public func role(forSeconds seconds: Double?) -> ThemeRole {
        guard let seconds else { return .unknown }
        if seconds >= criticalSeconds { return .critical }
        if seconds >= warningSeconds { return .warning }
        return .ok
    }
}
