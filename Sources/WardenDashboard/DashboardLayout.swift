import WardenTerminal

/// Where each pane goes for a given content area: side by side on wide terminals, stacked on
/// narrow ones, dropping the less important panes (keeping the focused one) when rows run out.
public struct DashboardLayout: Equatable {
    public var panes: [Pane: Rect]

    /// Terminals at least this wide put lag and history side by side.
    public static let wideColumns = 100

    public static func compute(area: Rect, state: DashboardState) -> DashboardLayout {
        let nodeCount = max(1, state.visibleRows.count)
        let standbyCount = max(1, state.standbyRows(for: .lag).count)
        let nodesWanted = nodeCount + 3
        let lagWanted = standbyCount * 2 + 2
        let historyWanted = standbyCount * 2 + 3
        var panes: [Pane: Rect] = [:]
        let nodesHeight = min(nodesWanted, max(4, area.height * 45 / 100))
        let (nodes, rest) = area.splitTop(nodesHeight)
        panes[.nodes] = nodes
        guard rest.height >= 3 else { return DashboardLayout(panes: panes) }
        if area.width >= wideColumns {
            let middleWanted = max(lagWanted, historyWanted)
            var middleHeight = min(middleWanted, rest.height * 60 / 100)
            if rest.height - middleHeight < 4 { middleHeight = rest.height >= 8 ? rest.height - 4 : rest.height }
            let (middle, bottom) = rest.splitTop(max(3, middleHeight))
            let (lag, history) = middle.splitLeft(middle.width / 2)
            panes[.lag] = lag
            panes[.history] = history
            if bottom.height >= 3 { panes[.events] = bottom }
            return DashboardLayout(panes: panes)
        }
        // Narrow: stack what fits; lag and history give way to each other, then to events.
        let eventsMinimum = 4
        if rest.height >= lagWanted + historyWanted + eventsMinimum {
            let (lag, afterLag) = rest.splitTop(lagWanted)
            let (history, events) = afterLag.splitTop(historyWanted)
            panes[.lag] = lag
            panes[.history] = history
            panes[.events] = events
        } else if rest.height >= 3 + eventsMinimum {
            let shown: Pane = state.focus == .history ? .history : .lag
            let wanted = shown == .lag ? lagWanted : historyWanted
            let height = min(wanted, rest.height - eventsMinimum)
            let (top, events) = rest.splitTop(max(3, height))
            panes[shown] = top
            panes[.events] = events
        } else {
            let shown: Pane = state.focus == .nodes ? .lag : state.focus
            panes[shown] = rest
        }
        return DashboardLayout(panes: panes)
    }
}
