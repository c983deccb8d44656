import WardenTerminal

/// The bottom line: the keys that work right now, always visible. Its entries follow the
/// overlay that is open (help, details, filter prompt, an operation step) or the main keymap.
public enum KeyHintLine {
    public static func draw(into screen: inout Screen, row: Int, context: RenderContext) {
        let keyStyle = context.style(.key)
        let textStyle = context.style(.keyHint)
        screen.fill(Rect(x: 0, y: row, width: screen.width, height: 1), style: textStyle)
        if case .filter(let draft) = context.state.overlay {
            var x = screen.put(" filter \(context.state.focus.title.lowercased()): ", x: 0, y: row, style: keyStyle)
            x += screen.put(draft + "_", x: x, y: row, style: context.style(.input))
            drawEntries(["Enter:keep", "Esc:clear"], into: &screen, x: x + 2, row: row, keyStyle, textStyle)
            return
        }
        drawEntries(entries(for: context.state), into: &screen, x: 1, row: row, keyStyle, textStyle)
    }

    /// `key:meaning` entries for the current screen.
    public static func entries(for state: DashboardState) -> [String] {
        switch state.overlay {
        case .help: return ["Esc:close help"]
        case .details: return ["↑↓:other node", "Esc:close"]
        case .filter: return ["Enter:keep", "Esc:clear"]
        case .operation(let flow):
            switch flow.phase {
            case .choosingCandidate: return ["↑↓:choose", "Enter:next", "Esc:cancel"]
            case .preparing: return ["Esc:cancel"]
            case .checklist(let plan): return plan.canProceed ? ["Enter:next", "Esc:cancel"] : ["Esc:close"]
            case .summary: return ["Enter:next", "←:back", "Esc:cancel"]
            case .confirming(let plan):
                guard plan.canProceed else { return ["Esc:close"] }
                return flow.kind.requiresTypedName
                    ? ["type the node name", "Tab:switch button", "Enter:press", "Esc:cancel"]
                    : ["Tab:switch button", "Enter:press", "Esc:cancel"]
            case .running: return ["running: please wait"]
            case .finished: return ["Enter:close"]
            }
        case .none:
            return Keymap.bindings(for: state).compactMap(\.hint)
        }
    }

    private static func drawEntries(
        _ entries: [String], into screen: inout Screen, x start: Int, row: Int, _ keyStyle: Style, _ textStyle: Style
    ) {
        var x = start
        for entry in entries {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            let width = CharacterWidth.of(entry) + 2
            if x + width > screen.width { break }
            if parts.count == 2 {
                x += screen.put(parts[0], x: x, y: row, style: keyStyle)
                x += screen.put(":" + parts[1], x: x, y: row, style: textStyle)
            } else {
                x += screen.put(entry, x: x, y: row, style: textStyle)
            }
            x += 2
        }
    }
}
