import Foundation
import WardenEngine

/// Everything one refresh read: the node list with every node's observation (as `cluster
/// show` builds it), the voting term, recent events, monitoring history and paused daemons.
public struct ClusterSnapshot: Sendable {
    public var report: ClusterShowReport
    public var votingTerm: Int?
    /// Newest first, at most ``eventLimit``.
    public var events: [EventRecord]
    public var history: [DashboardQueries.HistorySeries]
    public var historyWindow: HistoryWindow
    /// When the newest `repmgr.monitoring_history` row was written (nil: the table is empty).
    public var newestHistoryRow: Date?
    /// Why history could not be read, if it could not.
    public var historyError: String?
    /// Each node's daemon row from `repmgr.pgwarden_daemon`, by node ID (empty: no daemon ever ran).
    public var daemons: [Int: DaemonStatusTable.Row]
    /// Where the metadata was read (a node name, or a masked conninfo).
    public var source: String
    public var fetchedAt: Date

    /// How many events a refresh reads.
    public static let eventLimit = 100

    public init(
        report: ClusterShowReport, votingTerm: Int?, events: [EventRecord], history: [DashboardQueries.HistorySeries],
        historyWindow: HistoryWindow, newestHistoryRow: Date?, historyError: String?,
        daemons: [Int: DaemonStatusTable.Row],
        source: String, fetchedAt: Date
    ) {
        self.report = report
        self.votingTerm = votingTerm
        self.events = events
        self.history = history
        self.historyWindow = historyWindow
        self.newestHistoryRow = newestHistoryRow
        self.historyError = historyError
        self.daemons = daemons
        self.source = source
        self.fetchedAt = fetchedAt
    }

    /// The row of the node that is actually running as the primary: the registered primary
    /// when it is reachable and writable, otherwise any reachable node out of recovery.
    public var primaryRow: ClusterShowReport.Row? {
        let writable = report.rows.filter {
            $0.observation.reachable && $0.observation.inRecovery == false && $0.node.type != .witness
        }
        return writable.first { $0.node.type == .primary } ?? writable.first
    }

    /// Each standby's lag behind the primary's current WAL position (bytes not yet replayed, and
    /// seconds since the last replayed commit), by node ID.
    public var lagSamples: [Int: LagSample] {
        let primaryLSN = primaryRow?.observation.currentLSN
        var samples: [Int: LagSample] = [:]
        for row in report.rows where row.node.type == .standby || row.observation.inRecovery == true {
            guard row.observation.reachable, row.observation.inRecovery == true else {
                samples[row.node.nodeID] = LagSample(bytes: nil, seconds: nil)
                continue
            }
            // Replayed, not received: what a reader of the standby sees, so paused or slow replay shows as lag.
            let position = row.observation.replayLSN ?? row.observation.receiveLSN
            let bytes = primaryLSN.flatMap { primary in position.map { Double(max(0, primary - $0)) } }
            samples[row.node.nodeID] = LagSample(bytes: bytes, seconds: row.observation.replayLagSeconds)
        }
        return samples
    }
}
