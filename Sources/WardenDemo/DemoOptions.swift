/// How `pgwarden demo` was asked to run.
public struct DemoOptions: Sendable {
    /// The sandbox directory (created, must be absent or empty); nil for a new temporary one.
    public var directory: String?
    /// Keep the directory (data, configuration, logs) after stopping everything.
    public var keep: Bool
    /// The pgwarden executable the daemons are started from.
    public var executable: String
    /// The process environment (TMPDIR, PATH, PGWARDEN_PG_BINDIR).
    public var environment: [String: String]
    /// Polled between setup steps: true stops the setup (Ctrl-C, SIGTERM) and cleans up.
    public var interrupted: @Sendable () -> Bool
    /// The arguments (after the executable) that run this same demo in the prepared directory: a demo
    /// started as root restarts itself that way as the unprivileged account.
    public var relaunchArguments: @Sendable (_ directory: String) -> [String]

    public init(
        directory: String?, keep: Bool, executable: String, environment: [String: String],
        interrupted: @escaping @Sendable () -> Bool, relaunchArguments: @escaping @Sendable (String) -> [String]
    ) {
        self.directory = directory
        self.keep = keep
        self.executable = executable
        self.environment = environment
        self.interrupted = interrupted
        self.relaunchArguments = relaunchArguments
    }
}
