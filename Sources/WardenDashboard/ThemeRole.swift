/// The semantic roles a theme gives a style to. Panes ask for a role ("critical"), never
/// for a colour, so every theme file styles the whole dashboard.
public enum ThemeRole: String, CaseIterable, Sendable, Hashable {
    case text, muted, title, border
    case borderFocused = "border_focused"
    case header, selection
    case primary, standby, witness
    case ok, warning, critical, unknown
    case fenced, paused
    case statusBar = "status_bar"
    case badgeReadOnly = "badge_read_only"
    case badgeReadWrite = "badge_read_write"
    case key
    case keyHint = "key_hint"
    case dialog, button
    case buttonFocused = "button_focused"
    case input
}
