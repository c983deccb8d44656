import WardenEngine

/// The one-word state of the whole cluster shown first in the status bar (and huge on a wall).
public enum ClusterVerdict: Sendable, Equatable {
    /// No data yet.
    case unknown
    /// One writable primary, registered as such, and no problem found.
    case healthy
    /// One primary, but some node is unreachable, detached or in the wrong role.
    case degraded
    /// No node is running as a writable primary.
    case primaryDown
    /// A registered standby runs as the only primary: a promotion whose metadata and followers are catching up.
    case failoverInProgress
    /// More than one node accepts writes.
    case splitBrain

    public static func of(_ report: ClusterShowReport) -> ClusterVerdict {
        let writable = report.rows.filter {
            $0.observation.reachable && $0.observation.inRecovery == false && $0.node.type != .witness
        }
        switch writable.count {
        case 0: return report.rows.isEmpty ? .unknown : .primaryDown
        case 1:
            guard writable[0].node.type == .primary, writable[0].node.active else { return .failoverInProgress }
            return report.issues.isEmpty ? .healthy : .degraded
        default: return .splitBrain
        }
    }

    public var label: String {
        switch self {
        case .unknown: "NO DATA"
        case .healthy: "HEALTHY"
        case .degraded: "DEGRADED"
        case .primaryDown: "PRIMARY DOWN"
        case .failoverInProgress: "FAILOVER IN PROGRESS"
        case .splitBrain: "SPLIT BRAIN"
        }
    }

    public var role: ThemeRole {
        switch self {
        case .unknown: .unknown
        case .healthy: .ok
        case .degraded, .failoverInProgress: .warning
        case .primaryDown, .splitBrain: .critical
        }
    }
}
