import Foundation
import Testing
import WardenDashboard
import WardenEngine
import WardenTerminal

/// Clusters, snapshots and states for the dashboard's screen tests, built in memory.
enum DashboardFixtures {
    static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    static func node(_ id: Int, _ type: NodeType, upstream: Int? = nil, active: Bool = true, priority: Int = 100)
        -> NodeRecord
    {
        NodeRecord(
            nodeID: id, upstreamNodeID: upstream, active: active, nodeName: "node\(id)", type: type,
            location: "dc1", priority: priority,
            conninfo: "host=127.0.0.1 port=\(5400 + id) user=repmgr dbname=repmgr password=secret",
            replicationUser: "repmgr", slotName: "repmgr_slot_\(id)", configFile: "/nonexistent/node\(id).conf")
    }

    static func primaryObservation(lsn: UInt64, downstream: [String]) -> NodeObservation {
        NodeObservation(
            inRecovery: false, timeline: 1, currentLSN: LSN(lsn), receiveLSN: nil, replayLSN: nil,
            replayLagSeconds: nil, walReceiverStatus: nil, senderHost: nil, senderPort: nil,
            downstream: downstream.map {
                NodeObservation.Downstream(
                    applicationName: $0, state: "streaming", sentLSN: LSN(lsn), flushLSN: LSN(lsn), replayLSN: LSN(lsn))
            }, serverVersion: "15.18", observedAt: epoch)
    }

    static func standbyObservation(received: UInt64, lagSeconds: Double, downstream: [String] = []) -> NodeObservation {
        NodeObservation(
            inRecovery: true, timeline: 1, currentLSN: nil, receiveLSN: LSN(received), replayLSN: LSN(received),
            replayLagSeconds: lagSeconds, walReceiverStatus: "streaming", senderHost: "127.0.0.1", senderPort: 5401,
            downstream: downstream.map {
                NodeObservation.Downstream(
                    applicationName: $0, state: "streaming", sentLSN: LSN(received), flushLSN: nil, replayLSN: nil)
            }, serverVersion: "15.18", observedAt: epoch)
    }

    static func events() -> [EventRecord] {
        [
            EventRecord(
                nodeID: 3, nodeName: "node3", event: "standby_register", successful: true, timestamp: epoch,
                timestampText: "2027-01-15 08:00:03", details: "standby registration succeeded; upstream node ID is 2"),
            EventRecord(
                nodeID: 2, nodeName: "node2", event: "standby_follow", successful: false, timestamp: epoch,
                timestampText: "2027-01-15 08:00:02", details: "unable to connect to upstream"),
            EventRecord(
                nodeID: 1, nodeName: "node1", event: "primary_register", successful: true, timestamp: epoch,
                timestampText: "2027-01-15 08:00:01", details: ""),
        ]
    }

    /// node1 primary, node2 standby of node1 (lag 16 MiB, 2 s), node3 cascading from node2
    /// (`node3Down`: unreachable).
    static func snapshot(
        node3Down: Bool = false, history: [DashboardQueries.HistorySeries] = [], newestHistoryRow: Date? = nil,
        daemons: [Int: DaemonStatusTable.Row] = [:], fetchedAt: Date = epoch
    ) -> ClusterSnapshot {
        let nodes = [node(1, .primary), node(2, .standby, upstream: 1), node(3, .standby, upstream: 2)]
        let primaryLSN: UInt64 = 0x3_0000_0000
        var observations: [Int: NodeObservation] = [
            1: primaryObservation(lsn: primaryLSN, downstream: ["node2"]),
            2: standbyObservation(received: primaryLSN - 16 * 1024 * 1024, lagSeconds: 2, downstream: ["node3"]),
            3: standbyObservation(received: primaryLSN - 1024, lagSeconds: 700),
        ]
        if node3Down { observations[3] = NodeObservation(unreachable: "connection refused", at: epoch) }
        return ClusterSnapshot(
            report: ClusterShowReport(nodes: nodes, observations: observations), votingTerm: 4, events: events(),
            history: history, historyWindow: .oneHour, newestHistoryRow: newestHistoryRow, historyError: nil,
            daemons: daemons, source: "node1", fetchedAt: fetchedAt)
    }

    /// A daemon row as `repmgr.pgwarden_daemon` holds it.
    static func daemon(
        _ nodeID: Int, pid: Int?, paused: Bool = false, state: String = "monitoring", explanation: String = ""
    )
        throws -> DaemonStatusTable.Row
    {
        let json = """
            {"nodeID": \(nodeID), "pid": \(pid.map(String.init) ?? "null"), "paused": \(paused),
             "lastSeen": \(epoch.timeIntervalSinceReferenceDate - 3), "state": "\(state)", "explanation": "\(explanation)"}
            """
        return try JSONDecoder().decode(DaemonStatusTable.Row.self, from: Data(json.utf8))
    }

    static func themes() -> [Theme] {
        ThemeLoader.loadAll(environment: ["PGWARDEN_THEMES_DIR": repositoryThemes]).themes
    }

    static var repositoryThemes: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Themes")
            .standardized.path
    }

    /// A state with `snapshot` loaded (twice, so sparklines have two samples), one second later.
    static func state(
        mode: DashboardMode = .interactive, operations: Set<OperationKind> = [], snapshot: ClusterSnapshot? = nil
    ) -> DashboardState {
        var state = DashboardState(
            mode: mode, operations: operations, themes: themes(), glyphs: .unicode, refreshInterval: 2, now: epoch)
        let loaded = snapshot ?? Self.snapshot()
        _ = DashboardReducer.reduce(&state, .snapshotLoaded(loaded))
        _ = DashboardReducer.reduce(&state, .snapshotLoaded(loaded))
        _ = DashboardReducer.reduce(&state, .tick(epoch.addingTimeInterval(1)))
        return state
    }

    static func render(_ state: DashboardState, _ columns: Int = 120, _ rows: Int = 40) -> Screen {
        DashboardRenderer.render(state, size: TerminalSize(columns: columns, rows: rows))
    }

    /// Where `text` is on `screen`; records an issue (without dumping the screen) when it is not there.
    static func at(_ screen: Screen, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> (
        x: Int, y: Int
    ) {
        if let position = screen.find(text) { return position }
        Issue.record("\"\(text)\" is not on the screen:\n\(screen.text)", sourceLocation: sourceLocation)
        return (0, 0)
    }

    /// Sends keys through the reducer, returning the effects of the last one.
    @discardableResult
    static func press(_ keys: [Key], _ state: inout DashboardState) -> [DashboardEffect] {
        var effects: [DashboardEffect] = []
        for key in keys { effects = DashboardReducer.reduce(&state, .key(key)) }
        return effects
    }
}
