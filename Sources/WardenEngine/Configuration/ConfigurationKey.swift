/// One parameter of `repmgr.conf`: its name, the kind of value it takes and its default.
///
/// `ConfigurationKey.all` is the table of every parameter repmgr 5.3 reads (documented and
/// undocumented, from `configfile.c`/`repmgr.h`) followed by the parameters pgwarden adds on top
/// (see ``Origin/pgwarden``). The loader validates each `key = value` line of a file against this
/// table; a key that is not in it is reported as a ``ConfigurationWarning``, never as an error, so a
/// file written for repmgr keeps working with pgwarden and vice versa.
public struct ConfigurationKey: Sendable, Equatable, CustomStringConvertible {
    /// The kind of value a parameter takes, which decides how its text is checked.
    public enum ValueKind: Sendable, Equatable {
        /// Any text, kept as written.
        case string
        /// A signed 32-bit decimal integer no smaller than `minimum`.
        case integer(minimum: Int)
        /// `true`/`false`, `yes`/`no`, `on`/`off` or `1`/`0`, in any letter case.
        case boolean
        /// One of `allowed` (matched without regard to letter case, stored in the spelling given here).
        case enumeration(allowed: [String])
        /// A comma-separated list; blanks around items and empty items are dropped.
        case list
        /// A non-negative integer with an optional unit `ms`, `s`, `min`, `h` or `d` (`recovery_min_apply_delay`).
        case duration
        /// `OLDDIR=NEWDIR`, where `\=` stands for a literal `=` (`tablespace_mapping`).
        case tablespaceMapping
    }

    /// Where a parameter comes from.
    public enum Origin: Sendable, Equatable {
        /// Documented in the repmgr 5.3 manual and sample file.
        case repmgr
        /// Read by repmgr 5.3 but not documented (testing and experimental switches).
        case repmgrUndocumented
        /// Added by pgwarden; repmgr itself would warn that the key is unknown and ignore it.
        case pgwarden
    }

    /// The name as written in the file (names are case-sensitive, as in repmgr).
    public let name: String
    /// How the value is checked and interpreted.
    public let kind: ValueKind
    /// The value used when the file does not set the parameter, written the way it would be in the file
    /// (an empty string means "not set").
    public let defaultValue: String
    /// Whether the file must set the parameter (`node_id`, `node_name`, `conninfo`, `data_directory`).
    public let isRequired: Bool
    /// Whether the parameter may appear several times, each occurrence adding a value (`tablespace_mapping`);
    /// for every other parameter the last occurrence wins.
    public let isRepeatable: Bool
    /// Whether the parameter is repmgr's or pgwarden's own.
    public let origin: Origin

    /// Describes one parameter.
    public init(
        _ name: String,
        _ kind: ValueKind,
        default defaultValue: String = "",
        required isRequired: Bool = false,
        repeatable isRepeatable: Bool = false,
        origin: Origin = .repmgr
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.isRequired = isRequired
        self.isRepeatable = isRepeatable
        self.origin = origin
    }

    public var description: String {
        defaultValue.isEmpty ? "\(name)=''" : "\(name)=\(defaultValue)"
    }

    /// The parameter called `name`, or nil if neither repmgr nor pgwarden knows it.
    public static func named(_ name: String) -> ConfigurationKey? {
        index[name]
    }

    /// The default of the parameter called `name` as text ("" for an unknown name).
    public static func defaultValue(of name: String) -> String {
        index[name]?.defaultValue ?? ""
    }

    /// The parameters that must be present, in the order repmgr checks them.
    public static let requiredNames = ["node_id", "node_name", "data_directory", "conninfo"]

    /// Parameters that older repmgr versions read and 5.3 no longer does, with the warning repmgr gives.
    public static let deprecated: [String: String] = [
        "cluster": "parameter \"cluster\" is deprecated and will be ignored",
        "node": "parameter \"node\" has been renamed to \"node_id\"",
        "upstream_node":
            "parameter \"upstream_node\" has been removed; use \"--upstream-node-id\" when cloning a standby",
        "loglevel": "parameter \"loglevel\" has been renamed to \"log_level\"",
        "logfacility": "parameter \"logfacility\" has been renamed to \"log_facility\"",
        "logfile": "parameter \"logfile\" has been renamed to \"log_file\"",
        "master_reponse_timeout":
            "parameter \"master_reponse_timeout\" has been removed; use \"async_query_timeout\" instead",
        "master_response_timeout":
            "parameter \"master_response_timeout\" has been removed; use \"async_query_timeout\" instead",
        "retry_promote_interval_secs":
            "parameter \"retry_promote_interval_secs\" has been removed; use \"primary_notification_timeout\" instead",
    ]

    /// Every parameter repmgr 5.3 reads, then pgwarden's additions, in the order of the repmgr manual.
    public static let all: [ConfigurationKey] = repmgrKeys + pgwardenKeys

    /// The log levels repmgr accepts for `log_level`, most verbose first.
    public static let logLevels = ["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "ALERT", "CRIT", "EMERG"]

    /// The values repmgr accepts for `log_facility`: standard error or a syslog facility.
    public static let logFacilities =
        ["STDERR", "USER"] + (0...7).map { "LOCAL\($0)" }

    /// The parameters of repmgr 5.3 (`configfile.c`), grouped as in the manual.
    static let repmgrKeys: [ConfigurationKey] = [
        // Node information.
        ConfigurationKey("node_id", .integer(minimum: 1), required: true),
        ConfigurationKey("node_name", .string, required: true),
        ConfigurationKey("conninfo", .string, required: true),
        ConfigurationKey("data_directory", .string, required: true),
        ConfigurationKey("config_directory", .string),
        ConfigurationKey("replication_user", .string),
        ConfigurationKey("replication_type", .enumeration(allowed: ["physical"]), default: "physical"),
        ConfigurationKey("location", .string, default: "default"),
        ConfigurationKey("use_replication_slots", .boolean, default: "false"),
        ConfigurationKey("witness_sync_interval", .integer(minimum: 1), default: "15"),
        ConfigurationKey("pg_bindir", .string),
        ConfigurationKey("repmgr_bindir", .string),

        // Logging.
        ConfigurationKey("log_level", .enumeration(allowed: logLevels), default: "INFO"),
        ConfigurationKey("log_facility", .enumeration(allowed: logFacilities), default: "STDERR"),
        ConfigurationKey("log_file", .string),
        ConfigurationKey("log_status_interval", .integer(minimum: 0), default: "300"),

        // Event notifications.
        ConfigurationKey("event_notification_command", .string),
        ConfigurationKey("event_notifications", .list),

        // Standby clone and external tools.
        ConfigurationKey("pg_basebackup_options", .string),
        ConfigurationKey("restore_command", .string),
        ConfigurationKey("archive_cleanup_command", .string),
        ConfigurationKey("recovery_min_apply_delay", .duration),
        ConfigurationKey("tablespace_mapping", .tablespaceMapping, repeatable: true),
        ConfigurationKey("use_primary_conninfo_password", .boolean, default: "false"),
        ConfigurationKey("passfile", .string),
        ConfigurationKey("pg_ctl_options", .string),
        ConfigurationKey("rsync_options", .string),
        ConfigurationKey("ssh_options", .string, default: "-q -o ConnectTimeout=10"),
        ConfigurationKey("barman_host", .string),
        ConfigurationKey("barman_server", .string),
        ConfigurationKey("barman_config", .string),
        ConfigurationKey("pg_backupapi_host", .string),
        ConfigurationKey("pg_backupapi_node_name", .string),
        ConfigurationKey("pg_backupapi_backup_id", .string),
        ConfigurationKey("pg_backupapi_remote_ssh_command", .string),

        // Promote, follow, switchover and rejoin timers (seconds).
        ConfigurationKey("promote_check_timeout", .integer(minimum: 1), default: "60"),
        ConfigurationKey("promote_check_interval", .integer(minimum: 1), default: "1"),
        ConfigurationKey("primary_follow_timeout", .integer(minimum: 0), default: "60"),
        ConfigurationKey("standby_follow_timeout", .integer(minimum: 0), default: "30"),
        ConfigurationKey("standby_follow_restart", .boolean, default: "false"),
        ConfigurationKey("shutdown_check_timeout", .integer(minimum: 0), default: "60"),
        ConfigurationKey("standby_reconnect_timeout", .integer(minimum: 0), default: "60"),
        ConfigurationKey("wal_receive_check_timeout", .integer(minimum: 0), default: "30"),
        ConfigurationKey("node_rejoin_timeout", .integer(minimum: 0), default: "60"),

        // `repmgr node check` thresholds.
        ConfigurationKey("archive_ready_warning", .integer(minimum: 1), default: "16"),
        ConfigurationKey("archive_ready_critical", .integer(minimum: 1), default: "128"),
        ConfigurationKey("replication_lag_warning", .integer(minimum: 1), default: "300"),
        ConfigurationKey("replication_lag_critical", .integer(minimum: 1), default: "600"),

        // repmgrd core.
        ConfigurationKey("failover", .enumeration(allowed: ["manual", "automatic"]), default: "manual"),
        ConfigurationKey("priority", .integer(minimum: 0), default: "100"),
        ConfigurationKey("promote_command", .string),
        ConfigurationKey("follow_command", .string),
        ConfigurationKey("monitor_interval_secs", .integer(minimum: 1), default: "2"),
        ConfigurationKey(
            "connection_check_type",
            .enumeration(allowed: ["ping", "connection", "query"]),
            default: "ping"
        ),
        ConfigurationKey("reconnect_attempts", .integer(minimum: 0), default: "6"),
        ConfigurationKey("reconnect_interval", .integer(minimum: 0), default: "10"),
        ConfigurationKey("monitoring_history", .boolean, default: "false"),
        ConfigurationKey("degraded_monitoring_timeout", .integer(minimum: -1), default: "-1"),
        ConfigurationKey("async_query_timeout", .integer(minimum: 0), default: "60"),
        ConfigurationKey("primary_notification_timeout", .integer(minimum: 0), default: "60"),
        // -1 means "use standby_reconnect_timeout".
        ConfigurationKey("repmgrd_standby_startup_timeout", .integer(minimum: 0), default: "-1"),
        ConfigurationKey("repmgrd_pid_file", .string),
        ConfigurationKey("repmgrd_exit_on_inactive_node", .boolean, default: "false"),

        // repmgrd failover safety.
        ConfigurationKey("standby_disconnect_on_failover", .boolean, default: "false"),
        ConfigurationKey("sibling_nodes_disconnect_timeout", .integer(minimum: 0), default: "30"),
        ConfigurationKey("primary_visibility_consensus", .boolean, default: "false"),
        ConfigurationKey("always_promote", .boolean, default: "false"),
        ConfigurationKey("failover_validation_command", .string),
        ConfigurationKey("election_rerun_interval", .integer(minimum: 0), default: "15"),

        // Primary child-node monitoring.
        ConfigurationKey("child_nodes_check_interval", .integer(minimum: 1), default: "5"),
        ConfigurationKey("child_nodes_connected_min_count", .integer(minimum: -1), default: "-1"),
        ConfigurationKey("child_nodes_disconnect_min_count", .integer(minimum: -1), default: "-1"),
        ConfigurationKey("child_nodes_disconnect_timeout", .integer(minimum: 0), default: "30"),
        ConfigurationKey("child_nodes_disconnect_command", .string),
        ConfigurationKey("child_nodes_connected_include_witness", .boolean, default: "false"),

        // Service commands (empty: pg_ctl is used).
        ConfigurationKey("service_start_command", .string),
        ConfigurationKey("service_stop_command", .string),
        ConfigurationKey("service_restart_command", .string),
        ConfigurationKey("service_reload_command", .string),
        ConfigurationKey("service_promote_command", .string),
        ConfigurationKey("repmgrd_service_start_command", .string),
        ConfigurationKey("repmgrd_service_stop_command", .string),

        // Undocumented (experimental or for testing).
        ConfigurationKey("reconnect_loop_sync", .boolean, default: "false", origin: .repmgrUndocumented),
        ConfigurationKey("promote_delay", .integer(minimum: 0), default: "0", origin: .repmgrUndocumented),
        ConfigurationKey("failover_delay", .integer(minimum: 0), default: "0", origin: .repmgrUndocumented),
        ConfigurationKey("connection_check_query", .string, default: "SELECT 1", origin: .repmgrUndocumented),
    ]

    /// pgwarden additions: parameters repmgr does not know (it warns about them and carries on).
    ///
    /// - `pgbouncer_admin_conninfo`: conninfo strings of PgBouncer admin consoles, separated by commas.
    /// - `pgbouncer_databases`: the PgBouncer databases pgwarden manages, as written.
    /// - `fence_command` / `unfence_command`: commands that fence a node (cut it off from clients) and undo it.
    /// - `fence_mode`: how a node is fenced when no `fence_command` is set: `read_only` (default) or `stop`.
    /// - `auto_rejoin`: whether a failed former primary may be rejoined automatically (default false).
    /// - `notification_timeout`: seconds an event notification command may run (default 10).
    /// - `primary_lease_secs`: the primary lease's length (default 0: twice `monitor_interval_secs`
    ///   plus `reconnect_attempts` × `reconnect_interval`).
    /// - `lease_isolation_action`: what a primary that lost its lease does with its server: `stop`
    ///   (default) or `standby` (stopped, then started read-only as a standby of nobody).
    /// - `pgwarden_state_dir`: the daemon's private state directory (default: beside the data directory).
    static let pgwardenKeys: [ConfigurationKey] = [
        ConfigurationKey("pgbouncer_admin_conninfo", .string, origin: .pgwarden),
        ConfigurationKey("pgbouncer_databases", .string, origin: .pgwarden),
        ConfigurationKey("fence_command", .string, origin: .pgwarden),
        ConfigurationKey("unfence_command", .string, origin: .pgwarden),
        ConfigurationKey(
            "fence_mode",
            .enumeration(allowed: ["read_only", "stop"]),
            default: "read_only",
            origin: .pgwarden
        ),
        ConfigurationKey("auto_rejoin", .boolean, default: "false", origin: .pgwarden),
        ConfigurationKey("notification_timeout", .integer(minimum: 1), default: "10", origin: .pgwarden),
        ConfigurationKey("primary_lease_secs", .integer(minimum: 0), default: "0", origin: .pgwarden),
        ConfigurationKey(
            "lease_isolation_action", .enumeration(allowed: ["stop", "standby"]), default: "stop", origin: .pgwarden),
        ConfigurationKey("pgwarden_state_dir", .string, origin: .pgwarden),
    ]

    private static let index: [String: ConfigurationKey] = Dictionary(
        all.map { ($0.name, $0) },
        uniquingKeysWith: { first, _ in first }
    )
}
