import WardenEngine
import WardenTerminal

/// Per-standby lag from `repmgr.monitoring_history` over the chosen window (5 min, 1 h,
/// 24 h); explains itself when the table has no rows for the window.
public enum HistoryPane {
    public static func draw(into screen: inout Screen, rect: Rect, context: RenderContext) {
        let state = context.state
        let rows = state.snapshot?.history.reduce(0) { $0 + $1.rowCount } ?? 0
        let inner = context.frame(
            .history, in: rect, on: &screen,
            extra: "\(state.historyWindow.label)\(rows > 0 ? " · \(rows) rows" : "") (w)")
        guard inner.height > 0, inner.width > 10 else { return }
        guard let snapshot = state.snapshot else {
            context.centered("waiting for data", in: inner, row: 0, role: .muted, on: &screen)
            return
        }
        if let error = snapshot.historyError {
            write(
                ["cannot read repmgr.monitoring_history:", error], in: inner, role: .warning, into: &screen,
                context: context)
            return
        }
        let byID = Dictionary(snapshot.history.map { ($0.standbyNodeID, $0) }, uniquingKeysWith: { first, _ in first })
        let standbys = state.standbyRows(for: .history).filter { byID[$0.node.nodeID] != nil }
        if snapshot.history.isEmpty || standbys.isEmpty {
            var lines = ["No rows in repmgr.monitoring_history for the last \(snapshot.historyWindow.label)."]
            if let newest = snapshot.newestHistoryRow {
                lines.append("The newest row is \(ValueFormat.age(state.now.timeIntervalSince(newest))).")
            } else {
                lines.append("The table is empty: the monitoring daemon writes a row per standby")
                lines.append("every monitor_interval_secs when monitoring_history=yes.")
            }
            lines.append("Press w for another window.")
            write(lines, in: inner, role: .muted, into: &screen, context: context)
            return
        }
        let linesPerStandby = inner.height >= standbys.count * 2 ? 2 : 1
        let capacity = max(1, inner.height / linesPerStandby)
        let offset = min(state.scroll[.history] ?? 0, max(0, standbys.count - capacity))
        let nameWidth = min(14, max(6, standbys.map { CharacterWidth.of($0.node.nodeName) }.max() ?? 6))
        let sparkWidth = max(4, inner.width - nameWidth - 1 - 6 - 14)
        let thresholds = state.thresholds
        for (index, row) in standbys.dropFirst(offset).prefix(capacity).enumerated() {
            guard let series = byID[row.node.nodeID] else { continue }
            let y = inner.y + index * linesPerStandby
            screen.putField(
                row.node.nodeName, x: inner.x, y: y, width: nameWidth, style: context.style(row.nameRole),
                ellipsis: context.glyphs.ellipsis)
            let bytes = resample(series.replicationLagBytes, to: sparkWidth)
            let seconds = resample(series.applyLagSeconds, to: sparkWidth)
            let lines: [(String, [Double?], (Double?) -> String)] = [
                ("bytes", bytes, ValueFormat.bytes), ("time", seconds, ValueFormat.seconds),
            ]
            for (lineIndex, (label, values, format)) in lines.prefix(linesPerStandby).enumerated() {
                let lineY = y + lineIndex
                let x = inner.x + nameWidth + 1
                screen.put(label, x: x, y: lineY, style: context.style(.muted))
                Sparkline(values: values.map { $0 ?? 0 }).draw(
                    into: &screen, x: x + 6, y: lineY, width: sparkWidth, levels: context.glyphs.levels
                ) { position in
                    guard seconds.indices.contains(position), seconds[position] != nil else {
                        return context.style(.muted)
                    }
                    return context.style(thresholds.role(forSeconds: seconds[position]))
                }
                let maximum = values.compactMap { $0 }.max()
                screen.put(" max " + format(maximum), x: x + 6 + sparkWidth, y: lineY, style: context.style(.text))
            }
        }
    }

    /// `values` squeezed or stretched to `width` points, each the maximum of the values it covers
    /// (nil where no value fell).
    public static func resample(_ values: [Double?], to width: Int) -> [Double?] {
        guard width > 0, !values.isEmpty else { return [] }
        return (0..<width).map { point in
            let start = point * values.count / width
            let end = max(start + 1, (point + 1) * values.count / width)
            return values[start..<min(end, values.count)].compactMap { $0 }.max()
        }
    }

    private static func write(
        _ lines: [String], in rect: Rect, role: ThemeRole, into screen: inout Screen, context: RenderContext
    ) {
        for (index, line) in lines.prefix(rect.height).enumerated() {
            screen.put(
                Screen.truncate(line, to: rect.width, ellipsis: context.glyphs.ellipsis), x: rect.x, y: rect.y + index,
                style: context.style(role))
        }
    }
}
