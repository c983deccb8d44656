import WardenTerminal

/// What every pane draws with: the state, its theme and glyphs, and helpers for framed panes.
public struct RenderContext {
    public let state: DashboardState
    public let theme: Theme
    public let glyphs: GlyphSet

    public init(state: DashboardState) {
        self.state = state
        self.theme = state.theme
        self.glyphs = state.glyphs
    }

    public func style(_ role: ThemeRole) -> Style { theme[role] }

    /// Draws `pane`'s frame and title (with its filter, if any) and returns the inside.
    public func frame(_ pane: Pane, in rect: Rect, on screen: inout Screen, extra: String? = nil) -> Rect {
        let focused = state.focus == pane && !state.mode.isWall
        var title = pane.title
        if let extra { title += " · \(extra)" }
        if let filter = state.filters[pane], !filter.isEmpty { title += " · /\(filter)" }
        screen.box(
            rect, glyphs: glyphs, style: style(focused ? .borderFocused : .border), title: title,
            titleStyle: style(focused ? .borderFocused : .title))
        return rect.inset(by: 1)
    }

    /// Writes `text` centred in `rect`'s row `row` (relative), clipped.
    public func centered(_ text: String, in rect: Rect, row: Int, role: ThemeRole, on screen: inout Screen) {
        let fitted = Screen.truncate(text, to: rect.width, ellipsis: glyphs.ellipsis)
        let x = rect.x + max(0, (rect.width - CharacterWidth.of(fitted)) / 2)
        screen.put(fitted, x: x, y: rect.y + row, style: style(role), maxWidth: rect.width)
    }

    /// Clears a centred box of at most `width`×`height` in `area`, frames it with `title`, and returns the inside.
    public func dialog(title: String, width: Int, height: Int, in area: Rect, on screen: inout Screen) -> Rect {
        let rect = area.centered(width: width, height: height)
        screen.fill(rect, style: style(.dialog))
        screen.box(rect, glyphs: glyphs, style: style(.borderFocused), title: title, titleStyle: style(.title))
        return rect.inset(by: 1).insetHorizontally(by: 1)
    }

    /// Writes `lines` (text and role) from the top of `rect`, one per row, cut to its width.
    public func write(_ lines: [(String, ThemeRole)], in rect: Rect, on screen: inout Screen) {
        for (index, (text, role)) in lines.prefix(rect.height).enumerated() {
            let fitted = Screen.truncate(text, to: rect.width, ellipsis: glyphs.ellipsis)
            screen.put(fitted, x: rect.x, y: rect.y + index, style: style(.dialog).merging(style(role)))
        }
    }
}
