/// How `pgwarden dashboard` was asked to run.
public struct DashboardOptions: Sendable {
    /// A theme name, or a path to a theme file; nil for the default.
    public var theme: String?
    /// Seconds between refreshes.
    public var refreshInterval: Double
    /// The process environment (TERM, NO_COLOR, LANG, HOME, XDG_CONFIG_HOME, PGWARDEN_*).
    public var environment: [String: String]

    public init(theme: String?, refreshInterval: Double, environment: [String: String]) {
        self.theme = theme
        self.refreshInterval = refreshInterval
        self.environment = environment
    }
}
