import WardenEngine
import WardenTerminal

/// Every node as a row of the upstream tree: status marker and text (`* running`,
/// `? unreachable`, …, never colour alone), role, upstream, location, priority, timeline,
/// WAL positions and lag. Less important columns are dropped on narrow terminals.
public enum NodesPane {
    /// A table column: its header, width, how readily it is dropped (lowest first), and its cell.
    struct Column {
        var title: String
        var width: Int
        var priority: Int
        var alignRight: Bool
        var text: (NodeRow) -> String
        var role: (NodeRow) -> ThemeRole
    }

    public static func draw(into screen: inout Screen, rect: Rect, context: RenderContext) {
        let state = context.state
        let inner = context.frame(
            .nodes, in: rect, on: &screen, extra: state.snapshot.map { "\($0.report.rows.count) · via \($0.source)" })
        guard inner.height > 0, inner.width > 0 else { return }
        let rows = state.visibleRows
        guard state.snapshot != nil else {
            context.centered(
                state.refreshFailure.map { "cannot read the cluster: \($0)" } ?? "connecting…",
                in: inner, row: inner.height / 2, role: state.refreshFailure == nil ? .muted : .critical, on: &screen)
            return
        }
        let columns = chooseColumns(for: rows, width: inner.width, context: context)
        var x = inner.x
        for column in columns {
            let title = Screen.pad(
                column.title, to: column.width, alignRight: column.alignRight, ellipsis: context.glyphs.ellipsis)
            screen.put(title, x: x, y: inner.y, style: context.style(.header), maxWidth: inner.maxX - x)
            x += column.width + 1
        }
        if rows.isEmpty {
            context.centered(
                "no node matches the filter", in: inner, row: min(2, inner.height - 1), role: .muted, on: &screen)
            return
        }
        let visibleCount = inner.height - 1
        let selectedIndex = rows.firstIndex { $0.node.nodeID == state.selectedNodeID } ?? 0
        let offset = max(0, min(selectedIndex - visibleCount + 1, rows.count - visibleCount))
        let highlight = state.focus == .nodes && !state.mode.isWall
        for (line, row) in rows.dropFirst(offset).prefix(visibleCount).enumerated() {
            let y = inner.y + 1 + line
            let selected = highlight && row.node.nodeID == state.selectedNodeID
            var x = inner.x
            for column in columns {
                let style = selected ? context.style(.selection) : context.style(column.role(row))
                let text = Screen.pad(
                    column.text(row), to: column.width, alignRight: column.alignRight, ellipsis: context.glyphs.ellipsis
                )
                screen.put(text, x: x, y: y, style: style, maxWidth: inner.maxX - x)
                if selected && x + column.width < inner.maxX {
                    screen.put(" ", x: x + column.width, y: y, style: style)
                }
                x += column.width + 1
            }
            if selected && x < inner.maxX {
                screen.fill(Rect(x: x, y: y, width: inner.maxX - x, height: 1), style: context.style(.selection))
            }
        }
        if rows.count > visibleCount {
            let more = "\(offset + 1)-\(min(rows.count, offset + visibleCount))/\(rows.count)"
            screen.put(more, x: rect.maxX - CharacterWidth.of(more) - 2, y: rect.maxY - 1, style: context.style(.muted))
        }
    }

    /// The tree prefix of a row: `├─ `, `└─ `, with `│  ` for every ancestor that has siblings below.
    static func treePrefix(_ row: NodeRow, glyphs: GlyphSet) -> String {
        guard row.depth > 0 else { return "" }
        var prefix = ""
        for ancestorIsLast in row.ancestorsAreLast {
            prefix += ancestorIsLast ? "   " : glyphs.treePipe
        }
        return prefix + (row.isLastChild ? glyphs.treeLast : glyphs.treeBranch)
    }

    static func chooseColumns(for rows: [NodeRow], width: Int, context: RenderContext) -> [Column] {
        let glyphs = context.glyphs
        func widest(_ minimum: Int, _ text: (NodeRow) -> String) -> Int {
            rows.reduce(minimum) { max($0, CharacterWidth.of(text($1))) }
        }
        let name: (NodeRow) -> String = { treePrefix($0, glyphs: glyphs) + $0.node.nodeName }
        let walLSN: (NodeRow) -> String = { $0.observation.newestLSN?.description ?? "" }
        let replayLSN: (NodeRow) -> String = { $0.observation.replayLSN?.description ?? "" }
        let thresholds = context.state.thresholds
        let anyDaemon = rows.contains { $0.daemon != nil }
        var columns: [Column] = [
            Column(
                title: "ID", width: widest(2) { String($0.node.nodeID) }, priority: 30, alignRight: true,
                text: { String($0.node.nodeID) }, role: { _ in .muted }),
            Column(
                title: "Name", width: min(28, widest(4, name)), priority: 100, alignRight: false,
                text: name, role: { $0.nameRole }),
            Column(
                title: "Role", width: widest(4) { $0.node.type.rawValue }, priority: 80, alignRight: false,
                text: { $0.node.type.rawValue }, role: { $0.nameRole }),
            Column(
                title: "Status", width: min(30, widest(6) { $0.status }), priority: 100, alignRight: false,
                text: { $0.status }, role: { $0.statusRole }),
            Column(
                title: "Upstream", width: min(16, widest(8) { $0.upstream }), priority: 40, alignRight: false,
                text: { $0.upstream },
                role: { $0.upstream.hasPrefix("?") || $0.upstream.hasPrefix("!") ? .warning : .text }),
            Column(
                title: "Location", width: min(14, widest(8) { $0.node.location }), priority: 20, alignRight: false,
                text: { $0.node.location }, role: { _ in .text }),
            Column(
                title: "Prio", width: 4, priority: 25, alignRight: true,
                text: { String($0.node.priority) }, role: { _ in .text }),
            Column(
                title: "TLI", width: 3, priority: 35, alignRight: true,
                text: { $0.timeline }, role: { _ in .text }),
            Column(
                title: "WAL LSN", width: widest(7, walLSN), priority: 45, alignRight: true,
                text: walLSN, role: { _ in .text }),
            Column(
                title: "Replay LSN", width: widest(10, replayLSN), priority: 44, alignRight: true,
                text: replayLSN, role: { _ in .text }),
            Column(
                title: "Lag", width: 9, priority: 90, alignRight: true,
                text: { lagBytesText($0) }, role: { thresholds.role(forSeconds: $0.lag?.seconds).lagRole($0) }),
            Column(
                title: "Lag time", width: 9, priority: 85, alignRight: true,
                text: { lagSecondsText($0) }, role: { thresholds.role(forSeconds: $0.lag?.seconds).lagRole($0) }),
        ]
        if anyDaemon {
            columns.append(
                Column(
                    title: "Daemon", width: min(14, widest(6) { $0.daemonText }), priority: 60, alignRight: false,
                    text: { $0.daemonText }, role: { $0.daemonRole }))
        }
        func total(_ list: [Column]) -> Int { list.reduce(0) { $0 + $1.width } + max(0, list.count - 1) }
        while total(columns) > width, columns.count > 1 {
            guard let lowest = columns.indices.min(by: { columns[$0].priority < columns[$1].priority }) else { break }
            if columns[lowest].priority >= 100 {
                // Only the name and status are left: squeeze the name instead.
                let nameIndex = columns.firstIndex { $0.title == "Name" } ?? lowest
                let excess = total(columns) - width
                if columns[nameIndex].width - excess >= 6 {
                    columns[nameIndex].width -= excess
                    break
                }
            }
            columns.remove(at: lowest)
        }
        return columns
    }

    static func lagBytesText(_ row: NodeRow) -> String {
        guard let lag = row.lag else { return "" }
        guard row.observation.reachable else { return "?" }
        return ValueFormat.bytes(lag.bytes)
    }

    static func lagSecondsText(_ row: NodeRow) -> String {
        guard let lag = row.lag else { return "" }
        guard row.observation.reachable else { return "?" }
        return ValueFormat.seconds(lag.seconds)
    }
}
