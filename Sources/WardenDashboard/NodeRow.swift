import WardenEngine

/// One line of the nodes pane: a node's facts in tree order, with what the tree needs to
/// draw its branches.
public struct NodeRow: Sendable, Equatable {
    public var node: NodeRecord
    public var observation: NodeObservation
    /// `cluster show`'s status, marker first (`* running`, `? unreachable`, …).
    public var status: String
    /// `cluster show`'s upstream column (with `?`/`!` prefixes).
    public var upstream: String
    public var timeline: String
    public var lag: LagSample?
    /// Whether the node is fenced (`repmgr.pgwarden_fence`); its status is then drawn as a badge.
    public var fenced: Bool = false
    /// The node's daemon as it last reported, nil when no daemon ever ran there.
    public var daemon: DaemonStatusTable.Row?
    /// For each ancestor below the root: whether it was the last of its siblings (draws `│` or blank).
    public var ancestorsAreLast: [Bool]
    /// Whether this node is the last child of its parent (draws `└─` rather than `├─`).
    public var isLastChild: Bool
    /// Depth in the upstream tree; roots (the primary, witnesses) are 0.
    public var depth: Int

    /// The daemon column: `stopped`, `paused`, its monitor state, or `running`; "" without a daemon.
    public var daemonText: String {
        guard let daemon else { return "" }
        if daemon.paused { return "paused" }
        if daemon.pid == nil { return "stopped" }
        return daemon.state.isEmpty ? "running" : daemon.state
    }

    /// The role the daemon column is drawn in.
    public var daemonRole: ThemeRole {
        guard let daemon else { return .text }
        if daemon.paused { return .paused }
        return daemon.pid == nil ? .warning : .ok
    }

    /// The status marker, for styling: `*`, `!`, `?`, `-` or a space.
    public var marker: Character { status.first ?? " " }

    /// The role a row's status is drawn in: never colour alone, the marker is in the text too.
    public var statusRole: ThemeRole {
        if fenced { return .fenced }
        switch marker {
        case "!": return .warning
        case "?", "-": return .critical
        default: return .ok
        }
    }

    /// The role the node's name is drawn in.
    public var nameRole: ThemeRole {
        if !observation.reachable { return .unknown }
        switch node.type {
        case .primary, .bdr: return .primary
        case .standby: return .standby
        case .witness: return .witness
        }
    }
}
