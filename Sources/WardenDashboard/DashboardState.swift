import Foundation
import WardenEngine
import WardenTerminal

/// Everything the screen is drawn from. Changed only by ``DashboardReducer``; drawn by
/// ``DashboardRenderer`` as a pure function of this value and the terminal size.
public struct DashboardState: Sendable {
    public var mode: DashboardMode
    /// Operations the session can build (empty when read-only).
    public var operations: Set<OperationKind>
    public var snapshot: ClusterSnapshot?
    /// The node rows of `snapshot` in tree order.
    public var rows: [NodeRow]
    public var lagHistory: LagHistory
    public var thresholds: LagThresholds
    /// The last refresh error and when it happened; cleared by the next good refresh.
    public var refreshFailure: String?
    public var refreshFailedAt: Date?
    public var refreshing: Bool
    public var now: Date
    /// Seconds between refreshes.
    public var refreshInterval: Double
    public var paused: Bool
    public var focus: Pane
    public var selectedNodeID: Int?
    /// Selected event (index into the filtered events) and first visible row per scrolling pane.
    public var selectedEvent: Int
    public var scroll: [Pane: Int]
    public var filters: [Pane: String]
    public var overlay: Overlay
    public var historyWindow: HistoryWindow
    public var themes: [Theme]
    public var themeIndex: Int
    public var glyphs: GlyphSet
    public var notice: Notice?
    public var details: NodeDetails?
    public var detailsNodeID: Int?
    public var nextFlowID: Int
    public var shouldQuit: Bool
    /// The demo-only keys bound in this session (`pgwarden demo`), none otherwise.
    public var demoKeys: [DemoKey] = []
    /// How many times Ctrl-L asked for a whole repaint; the UI loop repaints when it changes.
    public var repaintRequests = 0

    /// Allowed refresh intervals, stepped through with `+` and `-`.
    public static let refreshSteps: [Double] = [0.5, 1, 2, 5, 10, 30, 60]

    public init(
        mode: DashboardMode, operations: Set<OperationKind>, themes: [Theme], themeIndex: Int = 0,
        glyphs: GlyphSet = .unicode, refreshInterval: Double = 2, thresholds: LagThresholds = LagThresholds(),
        now: Date = Date()
    ) {
        self.mode = mode
        self.operations = mode.isReadOnly ? [] : operations
        self.snapshot = nil
        self.rows = []
        self.lagHistory = LagHistory()
        self.thresholds = thresholds
        self.refreshFailure = nil
        self.refreshFailedAt = nil
        self.refreshing = false
        self.now = now
        self.refreshInterval = refreshInterval
        self.paused = false
        self.focus = .nodes
        self.selectedNodeID = nil
        self.selectedEvent = 0
        self.scroll = [:]
        self.filters = [:]
        self.overlay = .none
        self.historyWindow = .oneHour
        self.themes = themes.isEmpty ? [.fallback] : themes
        self.themeIndex = min(max(0, themeIndex), self.themes.count - 1)
        self.glyphs = glyphs
        self.notice = nil
        self.details = nil
        self.detailsNodeID = nil
        self.nextFlowID = 1
        self.shouldQuit = false
    }

    public var theme: Theme { themes[themeIndex] }

    public var verdict: ClusterVerdict { snapshot.map { ClusterVerdict.of($0.report) } ?? .unknown }

    /// Seconds since the data on screen was read, nil before the first refresh.
    public var dataAge: TimeInterval? { snapshot.map { max(0, now.timeIntervalSince($0.fetchedAt)) } }

    /// The data is stale when the last refresh failed or it is older than three intervals (and not paused).
    public var isStale: Bool {
        guard let age = dataAge else { return refreshFailure != nil }
        return refreshFailure != nil || (!paused && age > max(3 * refreshInterval, refreshInterval + 5))
    }

    /// The node rows that pass the nodes pane's filter.
    public var visibleRows: [NodeRow] {
        guard let filter = filters[.nodes]?.lowercased(), !filter.isEmpty else { return rows }
        return rows.filter { row in
            "\(row.node.nodeName) \(row.node.type.rawValue) \(row.status) \(row.node.location)".lowercased()
                .contains(filter)
        }
    }

    /// Standby rows (those with lag) that pass the lag/history filter of `pane`.
    public func standbyRows(for pane: Pane) -> [NodeRow] {
        let standbys = rows.filter { $0.node.type == .standby || $0.observation.inRecovery == true }
        guard let filter = filters[pane]?.lowercased(), !filter.isEmpty else { return standbys }
        return standbys.filter { $0.node.nodeName.lowercased().contains(filter) }
    }

    /// Events that pass the events pane's filter (matched against node name, event type and details).
    public var visibleEvents: [EventRecord] {
        let events = snapshot?.events ?? []
        guard let filter = filters[.events]?.lowercased(), !filter.isEmpty else { return events }
        return events.filter { "\($0.nodeName) \($0.event) \($0.details)".lowercased().contains(filter) }
    }

    /// The selected node's row, falling back to the first visible row.
    public var selectedRow: NodeRow? {
        let visible = visibleRows
        return visible.first { $0.node.nodeID == selectedNodeID } ?? visible.first
    }
}
