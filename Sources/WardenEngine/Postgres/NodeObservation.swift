import Foundation

/// What pgwarden saw when it probed one server at one moment: reachable or not, and if so
/// its recovery state, timeline, WAL positions and the replication connections it has.
public struct NodeObservation: Sendable, Equatable, Codable {
    /// A standby attached to this server, from its `pg_stat_replication`.
    public struct Downstream: Sendable, Equatable, Codable {
        public var applicationName: String
        public var state: String
        public var sentLSN: LSN?
        public var flushLSN: LSN?
        public var replayLSN: LSN?

        public init(applicationName: String, state: String, sentLSN: LSN?, flushLSN: LSN?, replayLSN: LSN?) {
            self.applicationName = applicationName
            self.state = state
            self.sentLSN = sentLSN
            self.flushLSN = flushLSN
            self.replayLSN = replayLSN
        }
    }

    public var reachable: Bool
    /// libpq's message when the server could not be reached or queried.
    public var error: String?
    public var inRecovery: Bool?
    public var timeline: Int?
    /// `pg_current_wal_lsn()` on a primary.
    public var currentLSN: LSN?
    public var receiveLSN: LSN?
    public var replayLSN: LSN?
    /// Seconds since the last replayed transaction's commit time (standbys).
    public var replayLagSeconds: Double?
    /// `pg_stat_wal_receiver.status`, e.g. `streaming`, or nil when there is no WAL receiver.
    public var walReceiverStatus: String?
    public var senderHost: String?
    public var senderPort: Int?
    public var downstream: [Downstream]
    public var serverVersion: String?
    public var observedAt: Date

    public init(unreachable error: String, at date: Date = Date()) {
        self.reachable = false
        self.error = error
        self.downstream = []
        self.observedAt = date
    }

    public init(
        inRecovery: Bool, timeline: Int?, currentLSN: LSN?, receiveLSN: LSN?, replayLSN: LSN?,
        replayLagSeconds: Double?, walReceiverStatus: String?, senderHost: String?, senderPort: Int?,
        downstream: [Downstream], serverVersion: String?, observedAt: Date = Date()
    ) {
        self.reachable = true
        self.inRecovery = inRecovery
        self.timeline = timeline
        self.currentLSN = currentLSN
        self.receiveLSN = receiveLSN
        self.replayLSN = replayLSN
        self.replayLagSeconds = replayLagSeconds
        self.walReceiverStatus = walReceiverStatus
        self.senderHost = senderHost
        self.senderPort = senderPort
        self.downstream = downstream
        self.serverVersion = serverVersion
        self.observedAt = observedAt
    }

    /// The furthest WAL position this node has: current on a primary, received (or replayed) on a standby.
    public var newestLSN: LSN? { currentLSN ?? receiveLSN ?? replayLSN }

    /// True when a standby with this application name streams from this server.
    public func hasDownstream(named name: String) -> Bool {
        downstream.contains { $0.applicationName == name && $0.state == "streaming" }
    }
}
