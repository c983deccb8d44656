import WardenTerminal

/// The current ``Notice``, drawn at the top right over the panes so that it never takes a
/// row from them.
public enum NoticeToast {
    public static func draw(into screen: inout Screen, area: Rect, context: RenderContext) {
        guard let notice = context.state.notice, area.height > 0 else { return }
        let text =
            " " + Screen.truncate(notice.text, to: max(1, area.width - 4), ellipsis: context.glyphs.ellipsis) + " "
        let x = max(area.x, area.maxX - CharacterWidth.of(text) - 1)
        let style = context.style(notice.role).badge(ink: context.style(.dialog).background)
        screen.put(text, x: x, y: area.y, style: style)
    }
}
