import Foundation

/// The settings of the local node, read from its `repmgr.conf` by ``ConfigurationLoader``.
///
/// Every repmgr 5.3 parameter and pgwarden addition has a typed property; a parameter the file does
/// not set has its default from ``ConfigurationKey/all``. `rawValues` keeps every key exactly as the
/// file wrote it, unknown keys included.
///
/// Tests and tools can build one in code with ``init(nodeID:nodeName:conninfo:dataDirectory:filePath:)``
/// and adjust the properties they need.
public struct NodeConfiguration: Sendable, Equatable {
    /// `failover`: whether repmgrd/pgwarden's daemon promotes or follows on its own.
    public enum FailoverMode: String, Sendable, Equatable, CaseIterable {
        case manual
        case automatic
    }

    /// `connection_check_type`: how the daemon decides whether a node is reachable.
    public enum ConnectionCheckType: String, Sendable, Equatable, CaseIterable {
        /// `PQping()`: the server accepts connections.
        case ping
        /// Open a new connection.
        case connection
        /// Run a query (`connection_check_query`) on the existing connection.
        case query
    }

    /// `fence_mode` (pgwarden addition): what fencing a primary does when no `fence_command` is set.
    public enum FenceMode: String, Sendable, Equatable, CaseIterable {
        /// Keep the server running but read-only.
        case readOnly = "read_only"
        /// Stop the server.
        case stop
    }

    /// `lease_isolation_action` (pgwarden addition): what a primary that lost its lease does with its
    /// server. Both end every session and allow no write; they differ in whether reads go on.
    public enum LeaseIsolationAction: String, Sendable, Equatable, CaseIterable {
        /// Stop the server (the default): clients find nothing to connect to.
        case stop
        /// Stop it, then start it again as a standby of nobody (standby.signal): it serves reads of
        /// what it had, and refuses every write, until it regains the lease or is rejoined.
        case standby
    }

    /// One `tablespace_mapping = 'OLDDIR=NEWDIR'` line (handed to pg_basebackup when cloning).
    public struct TablespaceMapping: Sendable, Equatable {
        /// The tablespace directory on the source node.
        public var oldDirectory: String
        /// Where the clone puts it.
        public var newDirectory: String

        /// Describes one mapping.
        public init(oldDirectory: String, newDirectory: String) {
            self.oldDirectory = oldDirectory
            self.newDirectory = newDirectory
        }
    }

    // MARK: File

    /// The absolute path of the file these settings were read from.
    public var filePath: String
    /// Every `key = value` of the file as written (the last occurrence of a repeated key), unknown keys included.
    public let rawValues: [String: String]

    // MARK: Node information

    /// `node_id` (required, 1 or greater).
    public var nodeID: Int
    /// `node_name` (required); also the `application_name` of the node's replication connection.
    public var nodeName: String
    /// `conninfo` (required), exactly as written; use ``parsedConninfo`` for its parameters.
    public var conninfo: String
    /// `data_directory` (required, absolute, without trailing slash).
    public var dataDirectory: String
    /// `config_directory`: where PostgreSQL's configuration files are, when not in the data directory.
    public var configDirectory: String
    /// `replication_user`, or the `user` of `conninfo` when not set ("" when neither says).
    public var replicationUser: String
    /// `replication_type` (only `physical`).
    public var replicationType: String
    /// `location`.
    public var location: String
    /// `use_replication_slots`.
    public var useReplicationSlots: Bool
    /// `witness_sync_interval` (seconds).
    public var witnessSyncInterval: Int
    /// `pg_bindir`: where PostgreSQL's programs are ("" means search `PATH`).
    public var pgBindir: String
    /// `repmgr_bindir`.
    public var repmgrBindir: String

    // MARK: Logging

    /// `log_level` in upper case (`DEBUG`, `INFO`, `NOTICE`, `WARNING`, `ERROR`, `ALERT`, `CRIT` or `EMERG`);
    /// `LogLevel(name:)` turns it into a ``LogLevel``.
    public var logLevel: String
    /// `log_facility`: `STDERR` or a syslog facility.
    public var logFacility: String
    /// `log_file` ("" means standard error).
    public var logFile: String
    /// `log_status_interval` (seconds).
    public var logStatusInterval: Int

    // MARK: Event notifications

    /// `event_notification_command` ("" means none).
    public var eventNotificationCommand: String
    /// `event_notifications`: the event types to notify (empty means all).
    public var eventNotifications: [String]

    // MARK: Standby clone and external tools

    /// `pg_basebackup_options`.
    public var pgBasebackupOptions: String
    /// `restore_command`.
    public var restoreCommand: String
    /// `archive_cleanup_command`.
    public var archiveCleanupCommand: String
    /// `recovery_min_apply_delay` as written (e.g. `5min`; "" means not set).
    public var recoveryMinApplyDelay: String
    /// Every `tablespace_mapping` line, in file order.
    public var tablespaceMappings: [TablespaceMapping]
    /// `use_primary_conninfo_password`.
    public var usePrimaryConninfoPassword: Bool
    /// `passfile`.
    public var passfile: String
    /// `pg_ctl_options`.
    public var pgCtlOptions: String
    /// `rsync_options`.
    public var rsyncOptions: String
    /// `ssh_options`.
    public var sshOptions: String
    /// `barman_host`.
    public var barmanHost: String
    /// `barman_server`.
    public var barmanServer: String
    /// `barman_config`.
    public var barmanConfig: String

    // MARK: Promote, follow, switchover, rejoin (seconds)

    /// `promote_check_timeout`.
    public var promoteCheckTimeout: Int
    /// `promote_check_interval`.
    public var promoteCheckInterval: Int
    /// `primary_follow_timeout`.
    public var primaryFollowTimeout: Int
    /// `standby_follow_timeout`.
    public var standbyFollowTimeout: Int
    /// `standby_follow_restart`.
    public var standbyFollowRestart: Bool
    /// `shutdown_check_timeout`.
    public var shutdownCheckTimeout: Int
    /// `standby_reconnect_timeout`.
    public var standbyReconnectTimeout: Int
    /// `wal_receive_check_timeout`.
    public var walReceiveCheckTimeout: Int
    /// `node_rejoin_timeout`.
    public var nodeRejoinTimeout: Int

    // MARK: node check thresholds

    /// `archive_ready_warning` (files).
    public var archiveReadyWarning: Int
    /// `archive_ready_critical` (files).
    public var archiveReadyCritical: Int
    /// `replication_lag_warning` (seconds).
    public var replicationLagWarning: Int
    /// `replication_lag_critical` (seconds).
    public var replicationLagCritical: Int

    // MARK: Daemon

    /// `failover`.
    public var failover: FailoverMode
    /// `priority` (0 means never promoted).
    public var priority: Int
    /// `promote_command`.
    public var promoteCommand: String
    /// `follow_command`.
    public var followCommand: String
    /// `monitor_interval_secs`.
    public var monitorIntervalSeconds: Int
    /// `connection_check_type`.
    public var connectionCheckType: ConnectionCheckType
    /// `reconnect_attempts`.
    public var reconnectAttempts: Int
    /// `reconnect_interval` (seconds).
    public var reconnectInterval: Int
    /// `monitoring_history`.
    public var monitoringHistory: Bool
    /// `degraded_monitoring_timeout` (seconds; -1 means never give up).
    public var degradedMonitoringTimeout: Int
    /// `async_query_timeout` (seconds).
    public var asyncQueryTimeout: Int
    /// `primary_notification_timeout` (seconds).
    public var primaryNotificationTimeout: Int
    /// `repmgrd_standby_startup_timeout`, or `standby_reconnect_timeout` when not set.
    public var repmgrdStandbyStartupTimeout: Int
    /// `repmgrd_pid_file` ("" means the default location).
    public var repmgrdPidFile: String
    /// `repmgrd_exit_on_inactive_node`.
    public var repmgrdExitOnInactiveNode: Bool
    /// `standby_disconnect_on_failover`.
    public var standbyDisconnectOnFailover: Bool
    /// `sibling_nodes_disconnect_timeout` (seconds).
    public var siblingNodesDisconnectTimeout: Int
    /// `primary_visibility_consensus`.
    public var primaryVisibilityConsensus: Bool
    /// `always_promote`.
    public var alwaysPromote: Bool
    /// `failover_validation_command` ("" means none).
    public var failoverValidationCommand: String
    /// `election_rerun_interval` (seconds).
    public var electionRerunInterval: Int
    /// `child_nodes_check_interval` (seconds).
    public var childNodesCheckInterval: Int
    /// `child_nodes_connected_min_count` (-1 means not used).
    public var childNodesConnectedMinCount: Int
    /// `child_nodes_disconnect_min_count` (-1 means not used).
    public var childNodesDisconnectMinCount: Int
    /// `child_nodes_disconnect_timeout` (seconds).
    public var childNodesDisconnectTimeout: Int
    /// `child_nodes_disconnect_command` ("" means none).
    public var childNodesDisconnectCommand: String
    /// `child_nodes_connected_include_witness`.
    public var childNodesConnectedIncludeWitness: Bool

    // MARK: Service commands (nil: use pg_ctl / the default)

    /// `service_start_command`.
    public var serviceStartCommand: String?
    /// `service_stop_command`.
    public var serviceStopCommand: String?
    /// `service_restart_command`.
    public var serviceRestartCommand: String?
    /// `service_reload_command`.
    public var serviceReloadCommand: String?
    /// `service_promote_command`.
    public var servicePromoteCommand: String?
    /// `repmgrd_service_start_command`.
    public var repmgrdServiceStartCommand: String?
    /// `repmgrd_service_stop_command`.
    public var repmgrdServiceStopCommand: String?

    // MARK: Undocumented repmgr parameters

    /// `reconnect_loop_sync` (experimental).
    public var reconnectLoopSync: Bool
    /// `promote_delay` (seconds; testing only).
    public var promoteDelay: Int
    /// `failover_delay` (seconds; testing only).
    public var failoverDelay: Int
    /// `connection_check_query` (used when `connection_check_type = query`).
    public var connectionCheckQuery: String

    // MARK: pgwarden additions

    /// `pgbouncer_admin_conninfo`: one conninfo per PgBouncer admin console (the setting separates them with commas).
    public var pgbouncerAdminConninfo: [String]
    /// `pgbouncer_databases`, as written.
    public var pgbouncerDatabases: String
    /// `fence_command` (nil: fence according to ``fenceMode``).
    public var fenceCommand: String?
    /// `unfence_command`.
    public var unfenceCommand: String?
    /// `fence_mode`.
    public var fenceMode: FenceMode
    /// `auto_rejoin`.
    public var autoRejoin: Bool
    /// `notification_timeout` (seconds an event notification command may run).
    public var notificationTimeout: Int
    /// `primary_lease_secs` (0: derived from the monitoring timings, see ``FailoverSettings/leaseDuration``).
    public var primaryLeaseSeconds: Int
    /// `lease_isolation_action`.
    public var leaseIsolationAction: LeaseIsolationAction
    /// `pgwarden_state_dir` ("" means the default beside the data directory, see ``StateDirectory``).
    public var pgwardenStateDir: String

    // MARK: - Building

    /// A configuration with the four required settings and the default of every other parameter,
    /// for tests and tools that do not read a file.
    public init(
        nodeID: Int,
        nodeName: String,
        conninfo: String,
        dataDirectory: String,
        filePath: String = "/etc/repmgr.conf"
    ) {
        let values = [
            "node_id": String(nodeID),
            "node_name": nodeName,
            "conninfo": conninfo,
            "data_directory": dataDirectory,
        ]
        self.init(filePath: filePath, settings: values, tablespaceMappings: [], rawValues: values)
    }

    /// Builds the typed settings from values the loader has already checked (`settings`, normalised:
    /// booleans as `true`/`false`, enumerations in their canonical spelling); absent keys take their default.
    init(
        filePath: String,
        settings: [String: String],
        tablespaceMappings: [TablespaceMapping],
        rawValues: [String: String]
    ) {
        func text(_ key: String) -> String { settings[key] ?? ConfigurationKey.defaultValue(of: key) }
        func optionalText(_ key: String) -> String? {
            let value = text(key)
            return value.isEmpty ? nil : value
        }
        func integer(_ key: String) -> Int {
            Int(text(key)) ?? Int(ConfigurationKey.defaultValue(of: key)) ?? 0
        }
        func boolean(_ key: String) -> Bool {
            ConfigurationFileParser.parseBoolean(text(key)) ?? false
        }

        self.filePath = filePath
        self.rawValues = rawValues

        nodeID = integer("node_id")
        nodeName = text("node_name")
        conninfo = text("conninfo")
        dataDirectory = text("data_directory")
        configDirectory = text("config_directory")
        let explicitReplicationUser = text("replication_user")
        if explicitReplicationUser.isEmpty {
            replicationUser = (try? Conninfo(parsing: text("conninfo")))?.user ?? ""
        } else {
            replicationUser = explicitReplicationUser
        }
        replicationType = text("replication_type")
        location = text("location")
        useReplicationSlots = boolean("use_replication_slots")
        witnessSyncInterval = integer("witness_sync_interval")
        pgBindir = text("pg_bindir")
        repmgrBindir = text("repmgr_bindir")

        logLevel = text("log_level").uppercased()
        logFacility = text("log_facility")
        logFile = text("log_file")
        logStatusInterval = integer("log_status_interval")

        eventNotificationCommand = text("event_notification_command")
        eventNotifications = NodeConfiguration.splitList(text("event_notifications"))

        pgBasebackupOptions = text("pg_basebackup_options")
        restoreCommand = text("restore_command")
        archiveCleanupCommand = text("archive_cleanup_command")
        recoveryMinApplyDelay = text("recovery_min_apply_delay")
        self.tablespaceMappings = tablespaceMappings
        usePrimaryConninfoPassword = boolean("use_primary_conninfo_password")
        passfile = text("passfile")
        pgCtlOptions = text("pg_ctl_options")
        rsyncOptions = text("rsync_options")
        sshOptions = text("ssh_options")
        barmanHost = text("barman_host")
        barmanServer = text("barman_server")
        barmanConfig = text("barman_config")

        promoteCheckTimeout = integer("promote_check_timeout")
        promoteCheckInterval = integer("promote_check_interval")
        primaryFollowTimeout = integer("primary_follow_timeout")
        standbyFollowTimeout = integer("standby_follow_timeout")
        standbyFollowRestart = boolean("standby_follow_restart")
        shutdownCheckTimeout = integer("shutdown_check_timeout")
        standbyReconnectTimeout = integer("standby_reconnect_timeout")
        walReceiveCheckTimeout = integer("wal_receive_check_timeout")
        nodeRejoinTimeout = integer("node_rejoin_timeout")

        archiveReadyWarning = integer("archive_ready_warning")
        archiveReadyCritical = integer("archive_ready_critical")
        replicationLagWarning = integer("replication_lag_warning")
        replicationLagCritical = integer("replication_lag_critical")

        failover = FailoverMode(rawValue: text("failover").lowercased()) ?? .manual
        priority = integer("priority")
        promoteCommand = text("promote_command")
        followCommand = text("follow_command")
        monitorIntervalSeconds = integer("monitor_interval_secs")
        connectionCheckType = ConnectionCheckType(rawValue: text("connection_check_type").lowercased()) ?? .ping
        reconnectAttempts = integer("reconnect_attempts")
        reconnectInterval = integer("reconnect_interval")
        monitoringHistory = boolean("monitoring_history")
        degradedMonitoringTimeout = integer("degraded_monitoring_timeout")
        asyncQueryTimeout = integer("async_query_timeout")
        primaryNotificationTimeout = integer("primary_notification_timeout")
        let startupTimeout = integer("repmgrd_standby_startup_timeout")
        repmgrdStandbyStartupTimeout = startupTimeout < 0 ? standbyReconnectTimeout : startupTimeout
        repmgrdPidFile = text("repmgrd_pid_file")
        repmgrdExitOnInactiveNode = boolean("repmgrd_exit_on_inactive_node")
        standbyDisconnectOnFailover = boolean("standby_disconnect_on_failover")
        siblingNodesDisconnectTimeout = integer("sibling_nodes_disconnect_timeout")
        primaryVisibilityConsensus = boolean("primary_visibility_consensus")
        alwaysPromote = boolean("always_promote")
        failoverValidationCommand = text("failover_validation_command")
        electionRerunInterval = integer("election_rerun_interval")
        childNodesCheckInterval = integer("child_nodes_check_interval")
        childNodesConnectedMinCount = integer("child_nodes_connected_min_count")
        childNodesDisconnectMinCount = integer("child_nodes_disconnect_min_count")
        childNodesDisconnectTimeout = integer("child_nodes_disconnect_timeout")
        childNodesDisconnectCommand = text("child_nodes_disconnect_command")
        childNodesConnectedIncludeWitness = boolean("child_nodes_connected_include_witness")

        serviceStartCommand = optionalText("service_start_command")
        serviceStopCommand = optionalText("service_stop_command")
        serviceRestartCommand = optionalText("service_restart_command")
        serviceReloadCommand = optionalText("service_reload_command")
        servicePromoteCommand = optionalText("service_promote_command")
        repmgrdServiceStartCommand = optionalText("repmgrd_service_start_command")
        repmgrdServiceStopCommand = optionalText("repmgrd_service_stop_command")

        reconnectLoopSync = boolean("reconnect_loop_sync")
        promoteDelay = integer("promote_delay")
        failoverDelay = integer("failover_delay")
        connectionCheckQuery = text("connection_check_query")

        pgbouncerAdminConninfo = NodeConfiguration.splitConninfoList(text("pgbouncer_admin_conninfo"))
        pgbouncerDatabases = text("pgbouncer_databases")
        fenceCommand = optionalText("fence_command")
        unfenceCommand = optionalText("unfence_command")
        fenceMode = FenceMode(rawValue: text("fence_mode").lowercased()) ?? .readOnly
        autoRejoin = boolean("auto_rejoin")
        notificationTimeout = integer("notification_timeout")
        primaryLeaseSeconds = integer("primary_lease_secs")
        leaseIsolationAction = LeaseIsolationAction(rawValue: text("lease_isolation_action").lowercased()) ?? .stop
        pgwardenStateDir = text("pgwarden_state_dir")
    }

    // MARK: - Helpers

    /// `conninfo` parsed by libpq (nil if libpq rejects it, which a loaded configuration never does).
    public var parsedConninfo: Conninfo? {
        try? Conninfo(parsing: conninfo)
    }

    /// The path of the PostgreSQL program `name`: inside `pg_bindir` when that is set, otherwise the bare
    /// name (found through `PATH`).
    public func binaryPath(_ name: String) -> String {
        NodeConfiguration.binaryPath(name, bindir: pgBindir)
    }

    /// The path of `name` inside `bindir`, or the bare name when `bindir` is empty.
    public static func binaryPath(_ name: String, bindir: String) -> String {
        guard !bindir.isEmpty else { return name }
        return bindir.hasSuffix("/") ? bindir + name : bindir + "/" + name
    }

    /// Splits a comma-separated list the way repmgr splits `event_notifications`: blanks are dropped,
    /// empty items are skipped.
    static func splitList(_ text: String) -> [String] {
        text.split(separator: ",").map { item in
            String(item.unicodeScalars.filter { $0 != " " && $0 != "\t" })
        }.filter { !$0.isEmpty }
    }

    /// Splits a comma-separated list of conninfo strings. A comma only separates two conninfos when it is
    /// outside single quotes and what follows starts a new conninfo (`keyword=` or a `postgres://` URI), so
    /// a multi-host value such as `host=a,b` stays in one piece.
    static func splitConninfoList(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if escaped {
                escaped = false
            } else if inQuotes && character == "\\" {
                escaped = true
            } else if character == "'" {
                inQuotes.toggle()
            } else if character == ",", !inQuotes, startsConninfo(text[next...]) {
                items.append(current)
                current = ""
                index = next
                continue
            }
            current.append(character)
            index = next
        }
        items.append(current)
        return items.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func startsConninfo(_ text: Substring) -> Bool {
        let rest = text.drop { $0 == " " || $0 == "\t" }
        if rest.hasPrefix("postgresql://") || rest.hasPrefix("postgres://") { return true }
        let keyword = rest.prefix { $0.isLetter || $0 == "_" }
        guard !keyword.isEmpty else { return false }
        return rest.dropFirst(keyword.count).drop { $0 == " " || $0 == "\t" }.first == "="
    }
}
