/// How a node was fenced, as recorded in `repmgr.pgwarden_fence.mode`: it tells `node unfence`
/// what to undo.
public enum FenceMethod: String, Sendable, Equatable, Codable, CaseIterable {
    /// The configured `fence_command` ran (undone by `unfence_command`).
    case command
    /// `default_transaction_read_only=on` with ALTER SYSTEM (kept in postgresql.auto.conf across
    /// restarts) and the client sessions terminated.
    case readOnly = "read_only"
    /// The server was stopped.
    case stop
    /// Only recorded: the server was unreachable and no `fence_command` is configured.
    case recordOnly = "record_only"
    /// The server was down; its failover daemon set the data directory up to start as a standby
    /// of the new primary (standby.signal), so it can never start as a writable primary.
    case startsAsStandby = "starts_as_standby"

    /// A few words for messages and event details.
    public var summary: String {
        switch self {
        case .command: "fence_command"
        case .readOnly: "read-only: default_transaction_read_only=on"
        case .stop: "server stopped"
        case .recordOnly: "recorded only (server unreachable)"
        case .startsAsStandby: "server down; set to start as a standby"
        }
    }
}
