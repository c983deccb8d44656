import WardenTerminal

/// Each standby's lag over the last refreshes: a sparkline of bytes and one of seconds,
/// each cell coloured by `replication_lag_warning`/`_critical`, with the current value and
/// the window's maximum.
public enum LagPane {
    public static func draw(into screen: inout Screen, rect: Rect, context: RenderContext) {
        let state = context.state
        let inner = context.frame(.lag, in: rect, on: &screen, extra: "live")
        guard inner.height > 0, inner.width > 10 else { return }
        let standbys = state.standbyRows(for: .lag)
        guard !standbys.isEmpty else {
            context.centered(
                state.snapshot == nil ? "waiting for data" : "no standby", in: inner, row: 0, role: .muted, on: &screen)
            return
        }
        let linesPerStandby = inner.height >= standbys.count * 2 ? 2 : 1
        let capacity = max(1, inner.height / linesPerStandby)
        let offset = min(state.scroll[.lag] ?? 0, max(0, standbys.count - capacity))
        let nameWidth = min(14, max(6, standbys.map { CharacterWidth.of($0.node.nodeName) }.max() ?? 6))
        let valueWidth = 28
        let sparkWidth = max(4, inner.width - nameWidth - 7 - valueWidth)
        for (index, row) in standbys.dropFirst(offset).prefix(capacity).enumerated() {
            let y = inner.y + index * linesPerStandby
            let samples = state.lagHistory.samples(for: row.node.nodeID)
            screen.putField(
                row.node.nodeName, x: inner.x, y: y, width: nameWidth, style: context.style(row.nameRole),
                ellipsis: context.glyphs.ellipsis)
            drawSeries(
                label: "bytes", values: samples.map { $0.bytes ?? 0 }, samples: samples, current: samples.last?.bytes,
                format: ValueFormat.bytes, x: inner.x + nameWidth + 1, y: y, sparkWidth: sparkWidth, maxX: inner.maxX,
                reachable: row.observation.reachable, into: &screen, context: context)
            if linesPerStandby == 2 {
                drawSeries(
                    label: "time", values: samples.map { $0.seconds ?? 0 }, samples: samples,
                    current: samples.last?.seconds, format: ValueFormat.seconds, x: inner.x + nameWidth + 1, y: y + 1,
                    sparkWidth: sparkWidth, maxX: inner.maxX, reachable: row.observation.reachable, into: &screen,
                    context: context)
            }
        }
    }

    private static func drawSeries(
        label: String, values: [Double], samples: [LagSample], current: Double?, format: (Double?) -> String, x: Int,
        y: Int, sparkWidth: Int, maxX: Int, reachable: Bool, into screen: inout Screen, context: RenderContext
    ) {
        let thresholds = context.state.thresholds
        screen.put(
            Screen.pad(label, to: 5, ellipsis: context.glyphs.ellipsis), x: x, y: y, style: context.style(.muted))
        let sparkline = Sparkline(values: values)
        sparkline.draw(into: &screen, x: x + 6, y: y, width: sparkWidth, levels: context.glyphs.levels) { index in
            guard samples.indices.contains(index) else { return context.style(.muted) }
            return context.style(thresholds.role(forSeconds: samples[index].seconds))
        }
        let now = reachable ? format(current) : "?"
        let maximum = format(values.max())
        let currentRole: ThemeRole = reachable ? thresholds.role(forSeconds: samples.last?.seconds) : .unknown
        var column = x + 6 + sparkWidth + 1
        column += screen.put("now ", x: column, y: y, style: context.style(.muted))
        column += screen.put(
            Screen.pad(now, to: 9, alignRight: true, ellipsis: context.glyphs.ellipsis), x: column, y: y,
            style: context.style(currentRole))
        column += screen.put(" max ", x: column, y: y, style: context.style(.muted))
        screen.put(maximum, x: column, y: y, style: context.style(.text), maxWidth: maxX - column)
    }
}
