/// How `pgwarden dashboard` was asked to run.
public struct DashboardOptions: Sendable {
    /// A theme name, or a path to a theme file; nil for the default.
    public var theme: String?
    /// Seconds between refreshes.
    public var refreshInterval: Double
    /// The process environment (TERM, NO_COLOR, LANG, HOME, XDG_CONFIG_HOME, PGWARDEN_*).
    public var environment: [String: String]
    /// Demo-only keys (`pgwarden demo`); empty in every other session.
    public var demoActions: [DemoAction]
    /// Polled by the UI loop: true ends the dashboard as `q` does (the demo's SIGTERM).
    public var quitRequested: @Sendable () -> Bool

    public init(
        theme: String?, refreshInterval: Double, environment: [String: String], demoActions: [DemoAction] = [],
        quitRequested: @escaping @Sendable () -> Bool = { false }
    ) {
        self.theme = theme
        self.refreshInterval = refreshInterval
        self.environment = environment
        self.demoActions = demoActions
        self.quitRequested = quitRequested
    }
}
