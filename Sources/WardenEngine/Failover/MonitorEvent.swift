/// An event the driver records in `repmgr.events` and passes to `event_notification_command`,
/// with repmgr's event names (`repmgrd_failover_promote`, `repmgrd_upstream_disconnect`, …).
public struct MonitorEvent: Sendable, Equatable, Codable {
    /// The event type, e.g. `repmgrd_failover_follow`.
    public var name: String
    /// The details text.
    public var details: String
    /// Whether it records a success.
    public var successful: Bool
    /// The node for `%p`: the new primary for a follow, the former primary for a promotion.
    public var primaryNodeID: Int?

    /// An event named `name`.
    public init(_ name: String, details: String, successful: Bool = true, primaryNodeID: Int? = nil) {
        self.name = name
        self.details = details
        self.successful = successful
        self.primaryNodeID = primaryNodeID
    }
}
