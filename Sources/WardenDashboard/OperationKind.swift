import WardenEngine

/// The cluster operations the dashboard can start, each bound to one key. Whether a key
/// exists at all depends on the engine having the operation and on the session not being read-only.
public enum OperationKind: String, CaseIterable, Sendable, Hashable {
    case switchover, promote, follow, fence, pauseDaemons

    /// The key that starts it.
    public var key: Character {
        switch self {
        case .switchover: "s"
        case .promote: "p"
        case .follow: "f"
        case .fence: "x"
        case .pauseDaemons: "P"
        }
    }

    public var title: String {
        switch self {
        case .switchover: "Switchover"
        case .promote: "Promote"
        case .follow: "Follow"
        case .fence: "Fence / unfence"
        case .pauseDaemons: "Pause / unpause daemons"
        }
    }

    /// One word for the hint line.
    public var shortName: String {
        switch self {
        case .switchover: "switchover"
        case .promote: "promote"
        case .follow: "follow"
        case .fence: "fence"
        case .pauseDaemons: "pause"
        }
    }

    /// What the help overlay says about it.
    public var summary: String {
        switch self {
        case .switchover: "guided switchover to a standby"
        case .promote: "promote the selected standby"
        case .follow: "make the selected standby follow the primary"
        case .fence: "fence or unfence the selected node"
        case .pauseDaemons: "pause or unpause the daemons"
        }
    }

    /// Operations on the whole cluster rather than on the selected node (no target node).
    public var isClusterWide: Bool { self == .pauseDaemons }

    /// Whether the engine records the operation in `repmgr.events` (pausing the daemons does not, as in repmgr).
    public var recordsEvent: Bool { self != .pauseDaemons }

    /// Operations whose confirmation needs the node's name typed in full.
    public var requiresTypedName: Bool {
        switch self {
        case .switchover, .promote, .fence: true
        case .follow, .pauseDaemons: false
        }
    }

    /// Why `row`'s node cannot be the target, or nil when it can (the engine's preflight still decides).
    public func ineligibility(of row: NodeRow) -> String? {
        switch self {
        case .switchover, .promote, .follow:
            if row.node.type != .standby { return "\(row.node.nodeName) is not a standby" }
            if !row.node.active { return "\(row.node.nodeName) is registered as inactive" }
            if !row.observation.reachable { return "\(row.node.nodeName) is not reachable" }
            if row.observation.inRecovery != true { return "\(row.node.nodeName) is not in recovery" }
            if self == .switchover && row.node.priority <= 0 {
                return "\(row.node.nodeName) has priority 0 (never a primary)"
            }
            return nil
        case .fence:
            return row.node.type == .witness ? "\(row.node.nodeName) is a witness" : nil
        case .pauseDaemons:
            return nil
        }
    }
}

extension DashboardState {
    /// Whether some registered node's daemon is paused in the current snapshot: `P` then
    /// unpauses the daemons, otherwise it pauses them.
    public var daemonsPaused: Bool {
        guard let snapshot else { return false }
        return snapshot.report.rows.contains { snapshot.daemons[$0.node.nodeID]?.paused == true }
    }
}
