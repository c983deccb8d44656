import WardenTerminal

/// `render(state, size) -> Screen`: the whole dashboard drawn as a pure function. The
/// terminal backend only copies the result; tests read it as text and styles.
public enum DashboardRenderer {
    /// Below this size only a "too small" message is drawn.
    public static let minimumSize = TerminalSize(columns: 40, rows: 10)

    public static func render(_ state: DashboardState, size: TerminalSize) -> Screen {
        let context = RenderContext(state: state)
        var screen = Screen(
            width: size.columns, height: size.rows, fill: Cell(character: " ", style: context.style(.text)))
        guard size.columns >= minimumSize.columns, size.rows >= minimumSize.rows else {
            let message =
                "pgwarden: terminal too small (\(size.columns)×\(size.rows), need \(minimumSize.columns)×\(minimumSize.rows)) · \(state.verdict.label)"
            for (index, line) in stride(from: 0, to: message.count, by: max(1, size.columns)).enumerated() {
                let start = message.index(message.startIndex, offsetBy: line)
                screen.put(String(message[start...]), x: 0, y: index, style: context.style(.text))
            }
            return screen
        }
        StatusBar.draw(into: &screen, row: 0, context: context)
        KeyHintLine.draw(into: &screen, row: size.rows - 1, context: context)
        let content = Rect(x: 0, y: 1, width: size.columns, height: size.rows - 2)
        if state.mode.isWall {
            drawWall(into: &screen, area: content, context: context)
        } else {
            let layout = DashboardLayout.compute(area: content, state: state)
            for (pane, rect) in layout.panes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                draw(pane, into: &screen, rect: rect, context: context)
            }
        }
        switch state.overlay {
        case .none, .filter: break
        case .help: HelpOverlay.draw(into: &screen, area: content, context: context)
        case .details(let nodeID): DetailsOverlay.draw(into: &screen, area: content, context: context, nodeID: nodeID)
        case .operation(let flow): OperationOverlay.draw(into: &screen, area: content, context: context, flow: flow)
        }
        NoticeToast.draw(into: &screen, area: content, context: context)
        if state.glyphs == .ascii { screen.transliterateToASCII(GlyphSet.asciiReplacements) }
        return screen
    }

    private static func draw(_ pane: Pane, into screen: inout Screen, rect: Rect, context: RenderContext) {
        switch pane {
        case .nodes: NodesPane.draw(into: &screen, rect: rect, context: context)
        case .lag: LagPane.draw(into: &screen, rect: rect, context: context)
        case .events: EventsPane.draw(into: &screen, rect: rect, context: context)
        case .history: HistoryPane.draw(into: &screen, rect: rect, context: context)
        }
    }

    /// Wall layout: the verdict band, then nodes and lag, then events with what is left.
    private static func drawWall(into screen: inout Screen, area: Rect, context: RenderContext) {
        let (banner, rest) = area.splitTop(WallBanner.height)
        WallBanner.draw(into: &screen, rect: banner, context: context)
        let nodeCount = max(1, context.state.rows.count)
        let (nodes, afterNodes) = rest.splitTop(min(nodeCount + 3, max(4, rest.height * 55 / 100)))
        NodesPane.draw(into: &screen, rect: nodes, context: context)
        let standbyCount = max(1, context.state.standbyRows(for: .lag).count)
        let lagHeight = min(standbyCount * 2 + 2, afterNodes.height >= 8 ? afterNodes.height - 4 : afterNodes.height)
        let (lag, events) = afterNodes.splitTop(lagHeight)
        if lag.height >= 3 { LagPane.draw(into: &screen, rect: lag, context: context) }
        if events.height >= 3 { EventsPane.draw(into: &screen, rect: events, context: context) }
    }
}
