import Testing

@testable import WardenEngine

@Suite("repmgr.conf line parser")
struct ConfigurationParserTests {
    private func entries(_ text: String) -> [ConfigurationFileParser.Entry] {
        let result = ConfigurationFileParser.parse(text)
        #expect(result.errors.isEmpty, "unexpected syntax errors: \(result.errors)")
        return result.entries
    }

    private func value(_ text: String) -> String? {
        let parsed = entries(text)
        #expect(parsed.count == 1)
        return parsed.first?.value
    }

    @Test func skipsCommentsAndBlankLinesAndCountsLines() {
        let parsed = entries(
            """
            # repmgr.conf for node1

               # indented comment
            node_id=1
            \t
            node_name=node1
            """
        )
        #expect(
            parsed == [
                ConfigurationFileParser.Entry(key: "node_id", value: "1", line: 4),
                ConfigurationFileParser.Entry(key: "node_name", value: "node1", line: 6),
            ]
        )
    }

    @Test func acceptsBlanksAroundTheEqualsSign() {
        #expect(value("priority=100") == "100")
        #expect(value("priority = 100") == "100")
        #expect(value("  priority\t=\t100") == "100")
        #expect(value("priority= 100") == "100")
        #expect(value("priority =100") == "100")
    }

    @Test func unquotedValuesStopAtACommentAndLoseTrailingBlanks() {
        #expect(value("failover=automatic   ") == "automatic")
        #expect(value("failover=automatic # switch on repmgrd failover") == "automatic")
        #expect(value("failover=automatic#no blank") == "automatic")
        #expect(value("ssh_options=-q -o ConnectTimeout=10  # default") == "-q -o ConnectTimeout=10")
        #expect(value("location=") == "")
        #expect(value("location=   # nothing") == "")
    }

    @Test func singleQuotedValues() {
        #expect(value("node_name='node1'") == "node1")
        #expect(value("conninfo='host=db1 user=repmgr dbname=repmgr'") == "host=db1 user=repmgr dbname=repmgr")
        #expect(value("location=''") == "")
        #expect(value("promote_command='echo # not a comment'") == "echo # not a comment")
        #expect(value("location='dc1'   # comment after the quote") == "dc1")
        #expect(value("location='dc1'\t") == "dc1")
        #expect(value("location=\"dc1\"") == "dc1")
    }

    @Test func quoteEscapesAsPostgreSQLAccepts() {
        #expect(value("follow_command='it''s'") == "it's")
        #expect(value("follow_command='it\\'s'") == "it's")
        #expect(value("follow_command='a\\\\b'") == "a\\b")
        #expect(value("follow_command='tab\\there'") == "tab\there")
        #expect(value("follow_command='line\\nbreak'") == "line\nbreak")
        #expect(value("follow_command='\\101\\102'") == "AB")
        #expect(value("follow_command='\\q'") == "q")
        #expect(value("follow_command='say \"hi\"'") == "say \"hi\"")
    }

    @Test func doubleQuotedValues() {
        #expect(value("promote_command=\"/usr/bin/repmgr standby promote\"") == "/usr/bin/repmgr standby promote")
        #expect(value("promote_command=\"say \\\"hi\\\"\"") == "say \"hi\"")
        #expect(value("promote_command=\"say \"\"hi\"\"\"") == "say \"hi\"")
        #expect(value("promote_command=\"it's\"") == "it's")
        #expect(value("promote_command=\"a # b\" # c") == "a # b")
    }

    @Test func windowsLineEndings() {
        let parsed = entries("node_id=1\r\nnode_name='node1'\r\n# comment\r\n")
        #expect(parsed.map(\.key) == ["node_id", "node_name"])
        #expect(parsed.map(\.value) == ["1", "node1"])
        #expect(parsed.map(\.line) == [1, 2])
    }

    @Test func keepsEveryOccurrenceOfARepeatedKeyInOrder() {
        let parsed = entries(
            """
            tablespace_mapping='/a=/b'
            tablespace_mapping='/c=/d'
            """
        )
        #expect(parsed.map(\.value) == ["/a=/b", "/c=/d"])
        #expect(parsed.map(\.line) == [1, 2])
    }

    @Test func qualifiedNamesAreKeys() {
        #expect(entries("custom.setting = on").first?.key == "custom.setting")
    }

    @Test func missingEqualsSign() {
        let result = ConfigurationFileParser.parse("node_id=1\nnode_name node1\n")
        #expect(result.entries.map(\.key) == ["node_id"])
        #expect(result.errors.count == 1)
        let error = result.errors.first
        #expect(error?.line == 2)
        #expect(error?.key == "node_name")
        #expect(error?.reason.contains("missing \"=\"") == true)
        #expect(ConfigurationFileParser.parse("node_id").errors.first?.key == "node_id")
        #expect(ConfigurationFileParser.parse("node_id # = 1").errors.first?.key == "node_id")
    }

    @Test func unterminatedQuote() {
        let result = ConfigurationFileParser.parse("\nconninfo='host=db1 user=repmgr\n")
        #expect(result.entries.isEmpty)
        #expect(
            result.errors == [
                ConfigurationFileParser.SyntaxError(
                    line: 2,
                    key: "conninfo",
                    reason: "unterminated quoted value for \"conninfo\""
                )
            ])
        #expect(ConfigurationFileParser.parse("location=\"dc1").errors.first?.key == "location")
        #expect(ConfigurationFileParser.parse("location='dc1\\'").errors.first?.key == "location")
    }

    @Test func emptyKey() {
        let result = ConfigurationFileParser.parse("=1")
        #expect(result.errors.first?.line == 1)
        #expect(result.errors.first?.key == nil)
        #expect(result.errors.first?.reason.contains("missing parameter name") == true)
        #expect(ConfigurationFileParser.parse("   = 'x'").errors.count == 1)
    }

    @Test func invalidKeyAndTextAfterAQuotedValue() {
        let badName = ConfigurationFileParser.parse("node-id=1").errors.first
        #expect(badName?.key == "node-id")
        #expect(badName?.reason == "invalid parameter name \"node-id\"")
        #expect(ConfigurationFileParser.parse("1node=1").errors.count == 1)
        let trailing = ConfigurationFileParser.parse("location='dc1' dc2").errors.first
        #expect(trailing?.key == "location")
        #expect(trailing?.reason.contains("\"dc2\"") == true)
    }

    @Test func reportsEveryBadLineAndKeepsTheGoodOnes() {
        let result = ConfigurationFileParser.parse(
            """
            node_id=1
            node_name
            conninfo='host=db1
            = 3
            priority=100
            """
        )
        #expect(result.entries.map(\.key) == ["node_id", "priority"])
        #expect(result.errors.map(\.line) == [2, 3, 4])
    }

    @Test(
        arguments: [
            ("true", true), ("TRUE", true), ("yes", true), ("Yes", true), ("on", true), ("ON", true), ("1", true),
            ("false", false), ("False", false), ("no", false), ("NO", false), ("off", false), ("Off", false),
            ("0", false),
        ]
    )
    func booleans(text: String, expected: Bool) {
        #expect(ConfigurationFileParser.parseBoolean(text) == expected)
    }

    @Test(arguments: ["", "2", "y", "n", "truth", "enable", " true"])
    func notBooleans(text: String) {
        #expect(ConfigurationFileParser.parseBoolean(text) == nil)
    }
}

@Suite("repmgr.conf parameter table")
struct ConfigurationKeyTests {
    /// Every parameter listed in section 1.8 of the repmgr reference.
    static let repmgrParameters = [
        "node_id", "node_name", "conninfo", "data_directory",
        "config_directory", "replication_user", "replication_type", "location", "use_replication_slots",
        "witness_sync_interval", "pg_bindir", "repmgr_bindir",
        "log_level", "log_facility", "log_file", "log_status_interval",
        "event_notification_command", "event_notifications",
        "pg_basebackup_options", "restore_command", "archive_cleanup_command", "recovery_min_apply_delay",
        "tablespace_mapping", "use_primary_conninfo_password", "passfile", "pg_ctl_options", "rsync_options",
        "ssh_options", "barman_host", "barman_server", "barman_config",
        "promote_check_timeout", "promote_check_interval", "primary_follow_timeout", "standby_follow_timeout",
        "standby_follow_restart", "shutdown_check_timeout", "standby_reconnect_timeout",
        "wal_receive_check_timeout", "node_rejoin_timeout",
        "archive_ready_warning", "archive_ready_critical", "replication_lag_warning", "replication_lag_critical",
        "failover", "priority", "promote_command", "follow_command", "monitor_interval_secs",
        "connection_check_type", "reconnect_attempts", "reconnect_interval", "monitoring_history",
        "degraded_monitoring_timeout", "async_query_timeout", "primary_notification_timeout",
        "repmgrd_standby_startup_timeout", "repmgrd_pid_file", "repmgrd_exit_on_inactive_node",
        "standby_disconnect_on_failover", "sibling_nodes_disconnect_timeout", "primary_visibility_consensus",
        "always_promote", "failover_validation_command", "election_rerun_interval",
        "child_nodes_check_interval", "child_nodes_connected_min_count", "child_nodes_disconnect_min_count",
        "child_nodes_disconnect_timeout", "child_nodes_disconnect_command", "child_nodes_connected_include_witness",
        "service_start_command", "service_stop_command", "service_restart_command", "service_reload_command",
        "service_promote_command", "repmgrd_service_start_command", "repmgrd_service_stop_command",
        "reconnect_loop_sync", "promote_delay", "failover_delay", "connection_check_query",
    ]

    static let pgwardenParameters = [
        "pgbouncer_admin_conninfo", "pgbouncer_databases", "fence_command", "unfence_command", "fence_mode",
        "auto_rejoin", "notification_timeout",
    ]

    @Test func coversEveryDocumentedParameter() {
        for name in Self.repmgrParameters {
            let key = ConfigurationKey.named(name)
            #expect(key != nil, "missing \(name)")
            #expect(key?.origin != .pgwarden, "\(name) is repmgr's")
        }
        for name in Self.pgwardenParameters {
            #expect(ConfigurationKey.named(name)?.origin == .pgwarden, "\(name) is a pgwarden addition")
        }
    }

    @Test func namesAreUniqueAndCaseSensitive() {
        let names = ConfigurationKey.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(ConfigurationKey.named("NODE_ID") == nil)
        #expect(ConfigurationKey.named("foo") == nil)
    }

    @Test func requiredAndRepeatableParameters() {
        #expect(Set(ConfigurationKey.all.filter(\.isRequired).map(\.name)) == Set(ConfigurationKey.requiredNames))
        #expect(ConfigurationKey.all.filter(\.isRepeatable).map(\.name) == ["tablespace_mapping"])
    }

    @Test func documentedDefaults() {
        let expected: [String: String] = [
            "replication_type": "physical", "location": "default", "use_replication_slots": "false",
            "witness_sync_interval": "15", "log_level": "INFO", "log_facility": "STDERR",
            "log_status_interval": "300", "ssh_options": "-q -o ConnectTimeout=10",
            "promote_check_timeout": "60", "promote_check_interval": "1", "primary_follow_timeout": "60",
            "standby_follow_timeout": "30", "shutdown_check_timeout": "60", "standby_reconnect_timeout": "60",
            "wal_receive_check_timeout": "30", "node_rejoin_timeout": "60", "archive_ready_warning": "16",
            "archive_ready_critical": "128", "replication_lag_warning": "300", "replication_lag_critical": "600",
            "failover": "manual", "priority": "100", "monitor_interval_secs": "2", "connection_check_type": "ping",
            "reconnect_attempts": "6", "reconnect_interval": "10", "monitoring_history": "false",
            "degraded_monitoring_timeout": "-1", "async_query_timeout": "60", "primary_notification_timeout": "60",
            "repmgrd_standby_startup_timeout": "-1", "sibling_nodes_disconnect_timeout": "30",
            "election_rerun_interval": "15", "child_nodes_check_interval": "5",
            "child_nodes_connected_min_count": "-1", "child_nodes_disconnect_min_count": "-1",
            "child_nodes_disconnect_timeout": "30", "connection_check_query": "SELECT 1", "promote_delay": "0",
            "failover_delay": "0", "fence_mode": "read_only", "auto_rejoin": "false", "notification_timeout": "10",
            "service_start_command": "", "promote_command": "", "pg_bindir": "",
        ]
        for (name, value) in expected {
            #expect(ConfigurationKey.defaultValue(of: name) == value, "default of \(name)")
        }
    }

    @Test func enumerationsListTheirValues() {
        #expect(ConfigurationKey.named("failover")?.kind == .enumeration(allowed: ["manual", "automatic"]))
        #expect(
            ConfigurationKey.named("connection_check_type")?.kind
                == .enumeration(allowed: ["ping", "connection", "query"])
        )
        #expect(ConfigurationKey.named("replication_type")?.kind == .enumeration(allowed: ["physical"]))
        #expect(ConfigurationKey.named("fence_mode")?.kind == .enumeration(allowed: ["read_only", "stop"]))
        #expect(ConfigurationKey.named("log_level")?.kind == .enumeration(allowed: ConfigurationKey.logLevels))
        #expect(ConfigurationKey.named("node_id")?.kind == .integer(minimum: 1))
        #expect(ConfigurationKey.named("priority")?.kind == .integer(minimum: 0))
        #expect(ConfigurationKey.named("auto_rejoin")?.kind == .boolean)
    }

    @Test func everyDefaultPassesItsOwnCheck() {
        for key in ConfigurationKey.all where !key.isRequired && !key.defaultValue.isEmpty {
            // repmgrd_standby_startup_timeout's -1 means "not set" and cannot be written in the file.
            if key.name == "repmgrd_standby_startup_timeout" { continue }
            switch ConfigurationLoader.check(key.defaultValue, for: key) {
            case .success: break
            case .failure(let problem): Issue.record("default of \(key.name) rejected: \(problem.message)")
            }
        }
    }
}
