/// What a key does on the main screen.
public enum KeyCommand: Sendable, Hashable {
    case quit, help, nextPane, previousPane, up, down, pageUp, pageDown, top, bottom
    case details, filter, clearFilter, faster, slower, togglePause, refreshNow, nextTheme, historyWindow
    /// Paint every cell again: output from elsewhere (a `wall` message, a stray write) garbled the terminal.
    case repaint
    case operation(OperationKind)
    /// The demo action at this index of ``DashboardState/demoKeys``.
    case demo(Int)
}
