/// The part of a node's `repmgr.conf` that the failover monitor decides with, with every duration
/// in milliseconds. Build it from a loaded configuration with ``init(configuration:)``; tests build
/// one directly.
public struct FailoverSettings: Sendable, Equatable {
    /// `failover`: `manual` nodes never promote and never follow on their own.
    public var failover: NodeConfiguration.FailoverMode
    /// `priority`: 0 means never a promotion candidate; breaks ties between equal LSNs.
    public var priority: Int
    /// `location`: no promotion unless a node of the failed primary's location is visible.
    public var location: String
    /// `monitor_interval_secs`: time between two checks in normal monitoring.
    public var monitorInterval: Int64
    /// `reconnect_attempts`: checks of a lost upstream (the first one included) before deciding.
    public var reconnectAttempts: Int
    /// `reconnect_interval`: time between two of those checks.
    public var reconnectInterval: Int64
    /// How long to wait for other daemons' answers (peer states, votes): `connect_timeout` of the
    /// node's conninfo, or 10 s when the conninfo sets none.
    public var peerTimeout: Int64
    /// `primary_visibility_consensus`: cancel the failover while any peer still sees the primary.
    public var primaryVisibilityConsensus: Bool
    /// Whether `failover_validation_command` is set: the winner runs it before promoting.
    public var hasValidationCommand: Bool
    /// `election_rerun_interval`: wait before a cancelled or rejected election is run again.
    public var electionRerunInterval: Int64
    /// `primary_notification_timeout`: how long a node that lost the election (or voted) waits
    /// for the new primary to announce itself.
    public var primaryNotificationTimeout: Int64
    /// `degraded_monitoring_timeout`: the daemon exits after this long in degraded monitoring
    /// (nil: never; a configured 0 or -1 means never, as in repmgr).
    public var degradedMonitoringTimeout: Int64?
    /// `monitoring_history`: a standby writes a `repmgr.monitoring_history` row after each check.
    public var monitoringHistory: Bool
    /// `auto_rejoin` (pgwarden): a superseded primary rejoins the new primary by itself.
    public var autoRejoin: Bool
    /// `primary_lease_secs` (pgwarden): how long a voter's lease grant (or vote) binds it on its own
    /// clock. By default twice the monitoring interval plus the reconnect window, so that a renewal
    /// every interval keeps it alive with one renewal lost, and a standby that notices a hung
    /// primary only after the reconnect window finds the grants expired about when it decides.
    public var leaseDuration: Int64

    /// The largest rate difference assumed between two nodes' monotonic clocks: 1 % (a clock
    /// disciplined by NTP is off by well under 0.05 %; a VM that is paused is not a drifting
    /// clock but a stalled process: see the README on a paused daemon). Raft's leader leases make the
    /// same assumption.
    public static let clockDriftPercent: Int64 = 1

    /// Settings given one by one; every duration is in milliseconds. The defaults are repmgr's.
    public init(
        failover: NodeConfiguration.FailoverMode = .manual, priority: Int = 100, location: String = "default",
        monitorInterval: Int64 = 2000, reconnectAttempts: Int = 6, reconnectInterval: Int64 = 10_000,
        peerTimeout: Int64 = 10_000, primaryVisibilityConsensus: Bool = false, hasValidationCommand: Bool = false,
        electionRerunInterval: Int64 = 15_000, primaryNotificationTimeout: Int64 = 60_000,
        degradedMonitoringTimeout: Int64? = nil, monitoringHistory: Bool = false, autoRejoin: Bool = false,
        leaseDuration: Int64? = nil
    ) {
        self.failover = failover
        self.priority = priority
        self.location = location
        self.monitorInterval = max(monitorInterval, 1)
        self.reconnectAttempts = max(reconnectAttempts, 1)
        self.reconnectInterval = max(reconnectInterval, 0)
        self.peerTimeout = max(peerTimeout, 1)
        self.primaryVisibilityConsensus = primaryVisibilityConsensus
        self.hasValidationCommand = hasValidationCommand
        self.electionRerunInterval = max(electionRerunInterval, 0)
        self.primaryNotificationTimeout = max(primaryNotificationTimeout, 0)
        self.degradedMonitoringTimeout = degradedMonitoringTimeout
        self.monitoringHistory = monitoringHistory
        self.autoRejoin = autoRejoin
        self.leaseDuration = max(
            leaseDuration ?? (2 * self.monitorInterval + Int64(self.reconnectAttempts) * self.reconnectInterval), 1000)
    }

    /// The settings of a loaded `repmgr.conf`.
    public init(configuration: NodeConfiguration) {
        let timeout = configuration.parsedConninfo?.connectTimeoutSeconds
        self.init(
            failover: configuration.failover,
            priority: configuration.priority,
            location: configuration.location,
            monitorInterval: Int64(configuration.monitorIntervalSeconds) * 1000,
            reconnectAttempts: configuration.reconnectAttempts,
            reconnectInterval: Int64(configuration.reconnectInterval) * 1000,
            peerTimeout: Int64(timeout ?? 10) * 1000,
            primaryVisibilityConsensus: configuration.primaryVisibilityConsensus,
            hasValidationCommand: !configuration.failoverValidationCommand.isEmpty,
            electionRerunInterval: Int64(configuration.electionRerunInterval) * 1000,
            primaryNotificationTimeout: Int64(configuration.primaryNotificationTimeout) * 1000,
            // repmgrd exits only when `degraded_monitoring_timeout > 0`: 0, like -1, means never.
            degradedMonitoringTimeout: configuration.degradedMonitoringTimeout <= 0
                ? nil : Int64(configuration.degradedMonitoringTimeout) * 1000,
            monitoringHistory: configuration.monitoringHistory,
            autoRejoin: configuration.autoRejoin,
            leaseDuration: configuration.primaryLeaseSeconds > 0 ? Int64(configuration.primaryLeaseSeconds) * 1000 : nil
        )
    }

    /// Whether this node may ever be promoted by the daemon: `failover=automatic` and a priority above 0.
    public var isPromotionCandidate: Bool { failover == .automatic && priority > 0 }

    /// How long after the send time (on its own clock) of the newest request that a majority
    /// granted the holder may count its lease as valid: the lease shortened by the clock-drift
    /// bound on both sides, `L × (100 − ρ) / (100 + ρ)`. A voter's grant starts when it receives the
    /// request, which is after it was sent, and lasts L on the voter's clock; so the holder's view
    /// ends first whenever the two clocks' rates differ by less than ρ.
    public var leaseSafeDuration: Int64 {
        leaseDuration * (100 - Self.clockDriftPercent) / (100 + Self.clockDriftPercent)
    }

    /// How long before its lease ends a primary fences itself, so that stopping the server is
    /// done before any voter is free: a tenth of the lease, at least 1 s.
    public var leaseFenceLead: Int64 { max(leaseDuration / 10, 1000) }

    /// How long a primary's daemon that starts (or finds its server promoted behind its back)
    /// counts its lease as held before any voter answered: a monitoring interval and a peer
    /// timeout before it fences, time for one lease round. Its server accepted writes before the
    /// daemon ran at all; this only bounds how long that goes on without a majority.
    public var leaseStartGrace: Int64 { monitorInterval + peerTimeout + leaseFenceLead }

    /// How recently a peer must have seen the primary for repmgr to call it "still visible":
    /// twice the monitoring interval.
    public var primaryVisibilityWindow: Int64 { monitorInterval * 2 }
}
