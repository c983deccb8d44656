/// What happened to one pgbouncer during a repointing: which databases now point at the new
/// primary, or why it could not be repointed.
public struct PoolerOutcome: Sendable, Equatable, CustomStringConvertible {
    /// ``PoolerConsole/label``, e.g. `pgbouncer 127.0.0.1:6432`.
    public let console: String
    public let succeeded: Bool
    /// `repointed app, reports to 127.0.0.1:5433` or the reason of the failure.
    public let detail: String

    public init(console: String, succeeded: Bool, detail: String) {
        self.console = console
        self.succeeded = succeeded
        self.detail = detail
    }

    /// `pgbouncer 127.0.0.1:6432: repointed ...` or `pgbouncer 127.0.0.1:6432: FAILED: ...`.
    public var description: String {
        "\(console): \(succeeded ? "" : "FAILED: ")\(detail)"
    }
}
