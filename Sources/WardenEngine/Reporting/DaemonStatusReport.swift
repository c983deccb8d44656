import Foundation

/// `daemon status` (repmgr's `service status`): every node with its server status and what its
/// pgwarden daemon last reported — running or not, PID, paused, and when it last saw its upstream.
public struct DaemonStatusReport: Sendable {
    /// One line of the report.
    public struct Row: Sendable {
        public var show: ClusterShowReport.Row
        public var daemon: DaemonStatusTable.Row?
        /// A daemon counts as running when it reported within three monitoring intervals.
        public var daemonRunning: Bool
    }

    public var rows: [Row]
    public var issues: [String]

    public static func gather(via conninfo: Conninfo, staleAfter: TimeInterval) async throws(WardenError)
        -> DaemonStatusReport
    {
        let catalog = try await ClusterConnector.connectWithMetadata(conninfo, readOnly: true)
        let nodes = try await catalog.nodes()
        async let observations = NodeProber.probeAll(nodes, readOnly: true)
        let daemons = try await DaemonStatusTable.rows(catalog)
        let show = ClusterShowReport(nodes: nodes, observations: await observations)
        let now = Date()
        let rows = show.rows.map { row in
            let daemon = daemons[row.node.nodeID]
            let age = secondsSince(daemon?.lastSeen, now: now)
            let running = (daemon?.pid ?? 0) > 0 && age.map { Double($0) < staleAfter } ?? false
            return Row(show: row, daemon: daemon, daemonRunning: running)
        }
        return DaemonStatusReport(rows: rows, issues: show.issues)
    }

    /// `daemon status --explain`: for each node whose daemon recorded a failover decision, that
    /// decision in plain words (what it saw, the counts, the ranking and the rule that decided), each
    /// line inert for a terminal (the explanation is read from the replicated metadata).
    public var explanationLines: [String] {
        var lines: [String] = []
        for row in rows {
            guard let daemon = row.daemon, !daemon.explanation.isEmpty else { continue }
            if !lines.isEmpty { lines.append("") }
            lines.append(
                TerminalText.singleLine(
                    "Latest failover decision of \(row.show.node.label) (daemon state: \(daemon.state)):"))
            lines += daemon.explanation.split(separator: "\n", omittingEmptySubsequences: false).map {
                "  " + TerminalText.singleLine(String($0))
            }
        }
        if lines.isEmpty { lines.append("No daemon has recorded a failover decision yet.") }
        return lines
    }

    public func table(detail: Bool) -> TextTable {
        var headers = ["ID", "Name", "Role", "Status", "Upstream"]
        if detail { headers += ["Location", "Priority"] }
        headers += ["pgwarden", "PID", "Paused?", "Upstream last seen"]
        let now = Date()
        return TextTable(
            headers: headers,
            rows: rows.map { row in
                var cells = [
                    String(row.show.node.nodeID), row.show.node.nodeName, row.show.node.type.rawValue, row.show.status,
                    row.show.upstream,
                ]
                if detail { cells += [row.show.node.location, String(row.show.node.priority)] }
                let reachable = row.show.observation.reachable
                cells.append(reachable ? (row.daemonRunning ? "running" : "not running") : "n/a")
                cells.append(row.daemonRunning ? (row.daemon?.pid.map(String.init) ?? "n/a") : "n/a")
                cells.append(reachable ? ((row.daemon?.paused ?? false) ? "yes" : "no") : "n/a")
                if row.show.node.type == .primary || !row.daemonRunning {
                    cells.append("n/a")
                } else if let seconds = Self.secondsSince(row.daemon?.upstreamLastSeen, now: now) {
                    cells.append("\(seconds) second(s) ago")
                } else {
                    cells.append("n/a")
                }
                return cells
            })
    }

    /// repmgr's CSV: id,name,type,reachable,daemon running,pid,paused,priority,upstream seconds,location
    /// (each field one inert line, ``TerminalText/singleLine(_:)``).
    public var csvLines: [String] {
        let now = Date()
        return rows.map { row in
            let node = row.show.node
            let seen = Self.secondsSince(row.daemon?.upstreamLastSeen, now: now).map(String.init) ?? "-1"
            return [
                String(node.nodeID), node.nodeName, node.type.rawValue, row.show.observation.reachable ? "1" : "0",
                row.daemonRunning ? "1" : "0", row.daemonRunning ? (row.daemon?.pid.map(String.init) ?? "-1") : "-1",
                (row.daemon?.paused ?? false) ? "1" : "0", String(node.priority),
                node.type == .primary ? "-1" : seen, node.location,
            ].map(TerminalText.singleLine).joined(separator: ",")
        }
    }

    /// Whole seconds from `date` to `now`, for a timestamp read from the replicated metadata (which any
    /// node's row can set to anything): nil when there is none; 0 for a date in the future (clock skew);
    /// clamped to `Int`'s range, so that no value the table can hold makes the conversion trap.
    static func secondsSince(_ date: Date?, now: Date) -> Int? {
        guard let date else { return nil }
        let seconds = now.timeIntervalSince(date)
        guard seconds.isFinite else { return nil }
        if seconds <= 0 { return 0 }
        return seconds < Double(Int.max) ? Int(seconds) : Int.max
    }
}
