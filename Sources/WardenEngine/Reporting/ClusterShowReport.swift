import Foundation

/// `cluster show`: every registered node with repmgr's status markers, computed from the
/// metadata and from what a probe of every node observed.
///
/// Markers follow repmgr 5.3: `*` running primary or witness, blank running standby,
/// `!` running in a role other than the registered one, `?` active but unreachable,
/// `-` registered inactive and not running (failed). A node fenced in `repmgr.pgwarden_fence` has
/// ` (fenced)` after its status (`* running (fenced)`) and counts as a problem.
public struct ClusterShowReport: Sendable {
    /// One line of the report.
    public struct Row: Sendable, Codable, Equatable {
        public var node: NodeRecord
        public var observation: NodeObservation
        public var status: String
        public var upstream: String
        public var upstreamName: String?
        public var timeline: String
        /// The node's conninfo with any password masked.
        public var maskedConninfo: String
        /// The node's fence record when it is fenced (nil: not fenced).
        public var fence: FenceRecord?

        /// Whether the node is fenced.
        public var fenced: Bool { fence?.fenced == true }
    }

    public var rows: [Row]
    /// The daemons' rows of `repmgr.pgwarden_daemon` by node ID (state, heartbeat, lease), for `--json`.
    public var daemons: [Int: DaemonStatusTable.Row] = [:]
    /// Problems found, worded as repmgr words them; any problem makes the exit code 25.
    public var issues: [String]

    public var exitStatus: ExitStatus { issues.isEmpty ? .success : .nodeStatus }

    /// `fences`: the rows of `repmgr.pgwarden_fence` (``FenceTable/records(_:)``), by node ID.
    public init(nodes: [NodeRecord], observations: [Int: NodeObservation], fences: [Int: FenceRecord] = [:]) {
        let byID = Dictionary(nodes.map { ($0.nodeID, $0) }, uniquingKeysWith: { first, _ in first })
        var issues: [String] = []
        var rows: [Row] = []
        for node in nodes {
            let observation = observations[node.nodeID] ?? NodeObservation(unreachable: "not probed")
            let upstreamNode = node.upstreamNodeID.flatMap { byID[$0] }
            let upstreamObservation = upstreamNode.flatMap { observations[$0.nodeID] }
            let fence = fences[node.nodeID].flatMap { $0.fenced ? $0 : nil }
            var status = Self.status(of: node, observation, issues: &issues)
            if let fence {
                status += " (fenced)"
                issues.append("\(node.label) is fenced (\(fence.method?.summary ?? "unknown mode"))")
            }
            let upstream = Self.upstreamColumn(
                node, observation, upstreamNode, upstreamObservation, issues: &issues)
            let timeline: String
            if node.type == .witness {
                timeline = "n/a"
            } else {
                timeline = observation.timeline.map(String.init) ?? ""
            }
            let masked = Conninfo.maskPasswords(in: node.conninfo)
            rows.append(
                Row(
                    node: node, observation: observation, status: status, upstream: upstream,
                    upstreamName: upstreamNode?.nodeName, timeline: timeline, maskedConninfo: masked, fence: fence))
        }
        self.rows = rows
        self.issues = issues
    }

    static func status(of node: NodeRecord, _ observation: NodeObservation, issues: inout [String]) -> String {
        guard observation.reachable, let inRecovery = observation.inRecovery else {
            issues.append("unable to connect to \(node.label)")
            if node.active {
                if node.type == .primary {
                    issues.append("\(node.label) is registered as an active primary but is unreachable")
                }
                return "? unreachable"
            }
            return "- failed"
        }
        switch node.type {
        case .primary, .bdr:
            if inRecovery {
                issues.append("\(node.label) is registered as primary but running as standby")
                return "! running as standby"
            }
            if !node.active {
                issues.append("\(node.label) is registered as an inactive primary but is running")
                return "! running"
            }
            return "* running"
        case .standby:
            if !inRecovery {
                issues.append("\(node.label) is registered as standby but running as primary")
                return "! running as primary"
            }
            if !node.active {
                issues.append("\(node.label) is registered as an inactive standby but is running")
                return "! running"
            }
            return "  running"
        case .witness:
            if !node.active {
                issues.append("\(node.label) is registered as an inactive witness but is running")
                return "! running"
            }
            return "* running"
        }
    }

    static func upstreamColumn(
        _ node: NodeRecord, _ observation: NodeObservation, _ upstream: NodeRecord?,
        _ upstreamObservation: NodeObservation?, issues: inout [String]
    ) -> String {
        let name = upstream?.nodeName ?? ""
        guard observation.reachable else { return name.isEmpty ? "?" : "? \(name)" }
        guard let upstream else { return name }
        guard let upstreamObservation, upstreamObservation.reachable else {
            issues.append("unable to connect to \(node.label)'s upstream \(upstream.label)")
            if node.type == .standby {
                issues.append("unable to determine if \(node.label) is attached to its upstream \(upstream.label)")
            }
            return "? \(name)"
        }
        if node.type == .standby && !upstreamObservation.hasDownstream(named: node.nodeName) {
            issues.append("\(node.label) is not attached to its upstream \(upstream.label)")
            return "! \(name)"
        }
        return name
    }

    /// The table, full or `--compact` (no conninfo, "Prio." and "TLI").
    public func table(compact: Bool) -> TextTable {
        let headers =
            compact
            ? ["ID", "Name", "Role", "Status", "Upstream", "Location", "Prio.", "TLI"]
            : ["ID", "Name", "Role", "Status", "Upstream", "Location", "Priority", "Timeline", "Connection string"]
        let body = rows.map { row in
            var cells = [
                String(row.node.nodeID), row.node.nodeName, row.node.type.rawValue, row.status, row.upstream,
                row.node.location, String(row.node.priority), row.timeline,
            ]
            if !compact { cells.append(row.maskedConninfo) }
            return cells
        }
        return TextTable(headers: headers, rows: body)
    }

    /// repmgr's `--csv`: `node_id,connection,recovery` with 0 = up / -1 = down and
    /// 0 = primary, 1 = standby, -1 = unknown.
    public var csvLines: [String] {
        rows.map { row in
            let connection = row.observation.reachable ? 0 : -1
            let recovery: Int
            if let inRecovery = row.observation.inRecovery, row.observation.reachable {
                recovery = inRecovery ? 1 : 0
            } else {
                recovery = -1
            }
            return "\(row.node.nodeID),\(connection),\(recovery)"
        }
    }
}
