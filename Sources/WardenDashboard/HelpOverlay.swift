import WardenTerminal

/// The `?` overlay: exactly the keys bound right now (from ``Keymap``), so a read-only
/// session never lists an action.
public enum HelpOverlay {
    public static func draw(into screen: inout Screen, area: Rect, context: RenderContext) {
        let bindings = Keymap.bindings(for: context.state)
        var lines: [(String, ThemeRole)] = []
        let labelWidth = min(12, bindings.map { CharacterWidth.of($0.label) }.max() ?? 4)
        for binding in bindings {
            lines.append(
                (
                    Screen.pad(binding.label, to: labelWidth, ellipsis: context.glyphs.ellipsis) + "  "
                        + binding.summary, .text
                ))
        }
        lines.append(("", .text))
        switch context.state.mode {
        case .wall: lines.append(("Wall display: read-only, no prompts.", .muted))
        case .readOnly: lines.append(("Read-only session: no action can be started.", .muted))
        case .interactive:
            if context.state.operations.isEmpty { lines.append(("No cluster operation is available here.", .muted)) }
        }
        lines.append(("Markers: * primary/witness up, ! wrong role, ? unreachable, - failed", .muted))
        let width = min(area.width - 2, max(50, (lines.map { CharacterWidth.of($0.0) }.max() ?? 40) + 4))
        let inner = context.dialog(
            title: "Help · keys available now", width: width, height: lines.count + 2, in: area, on: &screen)
        for (index, binding) in bindings.enumerated() where index < inner.height {
            screen.put(
                binding.label, x: inner.x, y: inner.y + index,
                style: context.style(.dialog).merging(context.style(.key)))
        }
        context.write(
            Array(lines.dropFirst(bindings.count)),
            in: Rect(
                x: inner.x, y: inner.y + bindings.count, width: inner.width,
                height: max(0, inner.height - bindings.count)), on: &screen)
        for (index, binding) in bindings.enumerated() where index < inner.height {
            screen.put(
                binding.summary, x: inner.x + labelWidth + 2, y: inner.y + index, style: context.style(.dialog),
                maxWidth: inner.width - labelWidth - 2)
        }
    }
}
