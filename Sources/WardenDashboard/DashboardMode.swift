/// How the dashboard may be used: interactive with actions, interactive without them
/// (`--read-only`), or the wall display (`--wall`: read-only, no prompts, no cursor).
public enum DashboardMode: Sendable, Equatable {
    case interactive
    case readOnly
    case wall

    /// No action can be started in this mode.
    public var isReadOnly: Bool { self != .interactive }

    public var isWall: Bool { self == .wall }
}
