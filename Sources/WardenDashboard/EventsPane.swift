import Foundation
import WardenEngine
import WardenTerminal

/// The live tail of `repmgr.events`, newest first, each marked succeeded (✓) or failed (✗),
/// filtered by node name, event type or details with `/`.
public enum EventsPane {
    public static func draw(into screen: inout Screen, rect: Rect, context: RenderContext) {
        let state = context.state
        let events = state.visibleEvents
        let inner = context.frame(.events, in: rect, on: &screen, extra: state.snapshot.map { _ in "\(events.count)" })
        guard inner.height > 0, inner.width > 10 else { return }
        guard state.snapshot != nil else {
            context.centered("waiting for data", in: inner, row: 0, role: .muted, on: &screen)
            return
        }
        if events.isEmpty {
            let filtered = !(state.filters[.events] ?? "").isEmpty
            context.centered(
                filtered ? "no event matches the filter" : "no events recorded", in: inner, row: 0, role: .muted,
                on: &screen)
            return
        }
        let wide = inner.width >= 90
        let timeWidth = wide ? 19 : 8
        let nameWidth = min(12, max(4, events.map { CharacterWidth.of($0.nodeName) }.max() ?? 4))
        let eventWidth = min(24, max(5, events.map { CharacterWidth.of($0.event) }.max() ?? 5))
        let highlight = state.focus == .events && !state.mode.isWall
        let selected = min(state.selectedEvent, events.count - 1)
        let offset = max(0, min(selected - inner.height + 1, events.count - inner.height))
        for (line, event) in events.dropFirst(offset).prefix(inner.height).enumerated() {
            let y = inner.y + line
            let isSelected = highlight && offset + line == selected
            func style(_ role: ThemeRole) -> Style { isSelected ? context.style(.selection) : context.style(role) }
            if isSelected {
                screen.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), style: context.style(.selection))
            }
            var x = inner.x
            let time = wide ? event.timestampText : String(event.timestampText.suffix(8))
            x +=
                screen.put(
                    Screen.pad(time, to: timeWidth, ellipsis: context.glyphs.ellipsis), x: x, y: y, style: style(.muted)
                ) + 1
            let marker = event.successful ? context.glyphs.success : context.glyphs.failure
            x += screen.put(String(marker), x: x, y: y, style: style(event.successful ? .ok : .critical)) + 1
            screen.putField(
                event.nodeName, x: x, y: y, width: nameWidth, style: style(.text), ellipsis: context.glyphs.ellipsis)
            x += nameWidth + 1
            screen.putField(
                event.event, x: x, y: y, width: eventWidth, style: style(event.successful ? .text : .critical),
                ellipsis: context.glyphs.ellipsis)
            x += eventWidth + 1
            if x < inner.maxX {
                let details = event.details.replacingOccurrences(of: "\n", with: " ")
                screen.put(
                    Screen.truncate(details, to: inner.maxX - x, ellipsis: context.glyphs.ellipsis), x: x, y: y,
                    style: style(.muted))
            }
        }
    }
}
