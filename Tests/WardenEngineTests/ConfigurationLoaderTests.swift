import Foundation
import Testing

@testable import WardenEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The configuration file of node2 from the repmgr 5.3 capture, with `$BASE` = `/srv/cluster`.
private let node2Configuration = """
    node_id=2
    node_name='node2'
    conninfo='host=127.0.0.1 port=5502 user=repmgr dbname=repmgr connect_timeout=2'
    data_directory='/srv/cluster/node2/data'
    pg_bindir='/usr/lib/postgresql/15/bin'
    repmgr_bindir='/usr/lib/postgresql/15/bin'
    use_replication_slots=yes
    location='default'
    priority=100

    log_level='INFO'
    log_file='/srv/cluster/node2/repmgrd.log'
    log_status_interval=5

    failover='automatic'
    promote_command='/usr/lib/postgresql/15/bin/repmgr standby promote -f /srv/cluster/node2/repmgr.conf --log-to-file'
    follow_command='/usr/lib/postgresql/15/bin/repmgr standby follow -f /srv/cluster/node2/repmgr.conf --log-to-file --upstream-node-id=%n'
    reconnect_attempts=2
    reconnect_interval=1
    monitoring_history=yes
    monitor_interval_secs=2

    repmgrd_pid_file='/srv/cluster/node2/repmgrd.pid'

    service_start_command='/usr/lib/postgresql/15/bin/pg_ctl -D /srv/cluster/node2/data -l /srv/cluster/node2/postgres.log -w -t 60 start'
    service_stop_command='/usr/lib/postgresql/15/bin/pg_ctl -D /srv/cluster/node2/data -m fast -w -t 60 stop'
    service_restart_command='/usr/lib/postgresql/15/bin/pg_ctl -D /srv/cluster/node2/data -l /srv/cluster/node2/postgres.log -m fast -w -t 60 restart'
    service_reload_command='/usr/lib/postgresql/15/bin/pg_ctl -D /srv/cluster/node2/data reload'

    event_notification_command='/srv/cluster/bin/event_notify.sh %n %e %s "%t" "%d"'

    ssh_options='-q -o ConnectTimeout=10'
    """

private let minimal = """
    node_id=1
    node_name='node1'
    conninfo='host=db1 user=repmgr dbname=repmgr'
    data_directory='/var/lib/postgresql/15/main'

    """

private let configPath = "/etc/pgwarden/repmgr.conf"

private func load(_ text: String, path: String = configPath) throws(WardenError) -> NodeConfiguration {
    try ConfigurationLoader.parse(text: text, path: path).0
}

private func warnings(_ text: String, path: String = configPath) -> [ConfigurationWarning] {
    (try? ConfigurationLoader.parse(text: text, path: path))?.1 ?? []
}

private func configurationError(_ text: String, path: String = configPath) -> WardenError? {
    do {
        _ = try ConfigurationLoader.parse(text: text, path: path)
        return nil
    } catch {
        return error
    }
}

/// The problems listed in a configuration error, one per entry (continuation lines joined to their problem).
private func problems(_ error: WardenError?) -> [String] {
    guard let detail = error?.detail else { return [] }
    var result: [String] = []
    for line in detail.split(separator: "\n") {
        if line.hasPrefix("\t"), let last = result.popLast() {
            result.append(last + "\n" + line)
        } else {
            result.append(String(line.dropFirst(2)))
        }
    }
    return result
}

/// A fresh directory under the system temporary directory, removed by `body`'s caller.
private func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("pgwarden-config-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try body(directory)
}

private func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

@Suite("Loading repmgr.conf")
struct ConfigurationLoaderTests {
    // MARK: Valid files

    @Test func node2ConfigurationFromTheRepmgrCapture() throws {
        let (configuration, warnings) = try ConfigurationLoader.parse(
            text: node2Configuration,
            path: "/srv/cluster/node2/repmgr.conf"
        )
        #expect(warnings.isEmpty)
        #expect(configuration.filePath == "/srv/cluster/node2/repmgr.conf")
        #expect(configuration.nodeID == 2)
        #expect(configuration.nodeName == "node2")
        #expect(configuration.conninfo == "host=127.0.0.1 port=5502 user=repmgr dbname=repmgr connect_timeout=2")
        #expect(configuration.parsedConninfo?.port == "5502")
        #expect(configuration.dataDirectory == "/srv/cluster/node2/data")
        #expect(configuration.pgBindir == "/usr/lib/postgresql/15/bin")
        #expect(configuration.repmgrBindir == "/usr/lib/postgresql/15/bin")
        #expect(configuration.useReplicationSlots)
        #expect(configuration.location == "default")
        #expect(configuration.priority == 100)
        #expect(configuration.logLevel == "INFO")
        #expect(configuration.logFile == "/srv/cluster/node2/repmgrd.log")
        #expect(configuration.logStatusInterval == 5)
        #expect(configuration.failover == .automatic)
        #expect(
            configuration.promoteCommand
                == "/usr/lib/postgresql/15/bin/repmgr standby promote -f /srv/cluster/node2/repmgr.conf --log-to-file"
        )
        #expect(configuration.followCommand.hasSuffix("--log-to-file --upstream-node-id=%n"))
        #expect(configuration.reconnectAttempts == 2)
        #expect(configuration.reconnectInterval == 1)
        #expect(configuration.monitoringHistory)
        #expect(configuration.monitorIntervalSeconds == 2)
        #expect(configuration.repmgrdPidFile == "/srv/cluster/node2/repmgrd.pid")
        #expect(
            configuration.serviceStartCommand
                == "/usr/lib/postgresql/15/bin/pg_ctl -D /srv/cluster/node2/data -l /srv/cluster/node2/postgres.log -w -t 60 start"
        )
        #expect(
            configuration.serviceStopCommand
                == "/usr/lib/postgresql/15/bin/pg_ctl -D /srv/cluster/node2/data -m fast -w -t 60 stop"
        )
        #expect(configuration.serviceRestartCommand?.hasSuffix("-m fast -w -t 60 restart") == true)
        #expect(
            configuration.serviceReloadCommand == "/usr/lib/postgresql/15/bin/pg_ctl -D /srv/cluster/node2/data reload")
        #expect(configuration.servicePromoteCommand == nil)
        #expect(configuration.eventNotificationCommand == "/srv/cluster/bin/event_notify.sh %n %e %s \"%t\" \"%d\"")
        #expect(configuration.eventNotifications.isEmpty)
        #expect(configuration.sshOptions == "-q -o ConnectTimeout=10")
        #expect(configuration.replicationUser == "repmgr")
        #expect(configuration.binaryPath("pg_ctl") == "/usr/lib/postgresql/15/bin/pg_ctl")
        #expect(configuration.rawValues["use_replication_slots"] == "yes")
        #expect(configuration.rawValues["failover"] == "automatic")
        #expect(configuration.rawValues.count == 26)
        // Not in the file: defaults.
        #expect(configuration.connectionCheckType == .ping)
        #expect(configuration.promoteCheckTimeout == 60)
    }

    @Test func defaultsForEverythingTheFileDoesNotSet() throws {
        let configuration = try load(minimal)
        #expect(configuration.configDirectory == "")
        #expect(configuration.replicationType == "physical")
        #expect(configuration.location == "default")
        #expect(configuration.useReplicationSlots == false)
        #expect(configuration.witnessSyncInterval == 15)
        #expect(configuration.pgBindir == "")
        #expect(configuration.logLevel == "INFO")
        #expect(configuration.logFacility == "STDERR")
        #expect(configuration.logFile == "")
        #expect(configuration.logStatusInterval == 300)
        #expect(configuration.eventNotificationCommand == "")
        #expect(configuration.eventNotifications == [])
        #expect(configuration.pgBasebackupOptions == "")
        #expect(configuration.pgCtlOptions == "")
        #expect(configuration.tablespaceMappings == [])
        #expect(configuration.sshOptions == "-q -o ConnectTimeout=10")
        #expect(configuration.promoteCheckTimeout == 60)
        #expect(configuration.promoteCheckInterval == 1)
        #expect(configuration.primaryFollowTimeout == 60)
        #expect(configuration.standbyFollowTimeout == 30)
        #expect(configuration.shutdownCheckTimeout == 60)
        #expect(configuration.standbyReconnectTimeout == 60)
        #expect(configuration.walReceiveCheckTimeout == 30)
        #expect(configuration.nodeRejoinTimeout == 60)
        #expect(configuration.archiveReadyWarning == 16)
        #expect(configuration.archiveReadyCritical == 128)
        #expect(configuration.replicationLagWarning == 300)
        #expect(configuration.replicationLagCritical == 600)
        #expect(configuration.failover == .manual)
        #expect(configuration.priority == 100)
        #expect(configuration.promoteCommand == "")
        #expect(configuration.followCommand == "")
        #expect(configuration.monitorIntervalSeconds == 2)
        #expect(configuration.connectionCheckType == .ping)
        #expect(configuration.reconnectAttempts == 6)
        #expect(configuration.reconnectInterval == 10)
        #expect(configuration.monitoringHistory == false)
        #expect(configuration.degradedMonitoringTimeout == -1)
        #expect(configuration.asyncQueryTimeout == 60)
        #expect(configuration.primaryNotificationTimeout == 60)
        #expect(configuration.repmgrdStandbyStartupTimeout == 60)
        #expect(configuration.standbyDisconnectOnFailover == false)
        #expect(configuration.siblingNodesDisconnectTimeout == 30)
        #expect(configuration.primaryVisibilityConsensus == false)
        #expect(configuration.alwaysPromote == false)
        #expect(configuration.failoverValidationCommand == "")
        #expect(configuration.electionRerunInterval == 15)
        #expect(configuration.childNodesCheckInterval == 5)
        #expect(configuration.childNodesConnectedMinCount == -1)
        #expect(configuration.childNodesDisconnectMinCount == -1)
        #expect(configuration.childNodesDisconnectTimeout == 30)
        #expect(configuration.childNodesDisconnectCommand == "")
        #expect(configuration.childNodesConnectedIncludeWitness == false)
        #expect(configuration.serviceStartCommand == nil)
        #expect(configuration.serviceStopCommand == nil)
        #expect(configuration.serviceRestartCommand == nil)
        #expect(configuration.serviceReloadCommand == nil)
        #expect(configuration.servicePromoteCommand == nil)
        #expect(configuration.repmgrdServiceStartCommand == nil)
        #expect(configuration.repmgrdServiceStopCommand == nil)
        #expect(configuration.connectionCheckQuery == "SELECT 1")
        #expect(configuration.pgbouncerAdminConninfo == [])
        #expect(configuration.pgbouncerDatabases == "")
        #expect(configuration.fenceCommand == nil)
        #expect(configuration.unfenceCommand == nil)
        #expect(configuration.fenceMode == .readOnly)
        #expect(configuration.autoRejoin == false)
        #expect(configuration.notificationTimeout == 10)
        #expect(configuration.binaryPath("pg_ctl") == "pg_ctl")
        #expect(
            configuration.rawValues == [
                "node_id": "1", "node_name": "node1", "conninfo": "host=db1 user=repmgr dbname=repmgr",
                "data_directory": "/var/lib/postgresql/15/main",
            ])
    }

    @Test func builtInCodeMatchesAMinimalFile() throws {
        let fromFile = try load(minimal)
        let inCode = NodeConfiguration(
            nodeID: 1,
            nodeName: "node1",
            conninfo: "host=db1 user=repmgr dbname=repmgr",
            dataDirectory: "/var/lib/postgresql/15/main",
            filePath: configPath
        )
        #expect(inCode == fromFile)
        var adjusted = inCode
        adjusted.failover = .automatic
        adjusted.pgBindir = "/usr/lib/postgresql/16/bin/"
        #expect(adjusted.failover == .automatic)
        #expect(adjusted.binaryPath("pg_rewind") == "/usr/lib/postgresql/16/bin/pg_rewind")
        #expect(NodeConfiguration.binaryPath("psql", bindir: "/opt/pg/bin") == "/opt/pg/bin/psql")
        #expect(NodeConfiguration.binaryPath("psql", bindir: "") == "psql")
    }

    @Test func everyValueKind() throws {
        let configuration = try load(
            minimal + """
                replication_user = 'streamer'
                config_directory = '/etc/postgresql/15/main/'
                pg_bindir = /usr/lib/postgresql/15/bin/
                log_level = debug
                log_facility = local3
                failover = AUTOMATIC
                connection_check_type = Query
                connection_check_query = 'SELECT pg_is_in_recovery()'
                use_replication_slots = on
                monitoring_history = 0
                always_promote = TRUE
                priority = 0
                degraded_monitoring_timeout = -1
                child_nodes_connected_min_count = 2
                event_notifications = 'repmgrd_failover_promote, standby_promote,,repmgrd_failover_follow '
                recovery_min_apply_delay = 5min
                tablespace_mapping = '/srv/ts1=/srv/ts1-standby'
                tablespace_mapping = '/srv/odd\\\\=name=/srv/new'
                service_promote_command = 'sudo systemctl promote'
                repmgrd_service_start_command = 'sudo systemctl start repmgrd'
                repmgrd_service_stop_command = 'sudo systemctl stop repmgrd'
                repmgrd_standby_startup_timeout = 90
                pgbouncer_admin_conninfo = 'host=pgb1 port=6432 dbname=pgbouncer user=admin, host=pgb2,pgb3 port=6432 dbname=pgbouncer'
                pgbouncer_databases = 'app,reports'
                fence_command = '/usr/local/bin/fence %n'
                unfence_command = '/usr/local/bin/unfence %n'
                fence_mode = stop
                auto_rejoin = yes
                notification_timeout = 30
                """
        )
        #expect(configuration.replicationUser == "streamer")
        #expect(configuration.configDirectory == "/etc/postgresql/15/main")
        #expect(configuration.pgBindir == "/usr/lib/postgresql/15/bin")
        #expect(configuration.binaryPath("pg_ctl") == "/usr/lib/postgresql/15/bin/pg_ctl")
        #expect(configuration.logLevel == "DEBUG")
        #expect(LogLevel(name: configuration.logLevel) == .debug)
        #expect(configuration.logFacility == "LOCAL3")
        #expect(configuration.failover == .automatic)
        #expect(configuration.connectionCheckType == .query)
        #expect(configuration.connectionCheckQuery == "SELECT pg_is_in_recovery()")
        #expect(configuration.useReplicationSlots)
        #expect(configuration.monitoringHistory == false)
        #expect(configuration.alwaysPromote)
        #expect(configuration.priority == 0)
        #expect(configuration.childNodesConnectedMinCount == 2)
        #expect(
            configuration.eventNotifications
                == ["repmgrd_failover_promote", "standby_promote", "repmgrd_failover_follow"]
        )
        #expect(configuration.recoveryMinApplyDelay == "5min")
        #expect(
            configuration.tablespaceMappings == [
                NodeConfiguration.TablespaceMapping(oldDirectory: "/srv/ts1", newDirectory: "/srv/ts1-standby"),
                NodeConfiguration.TablespaceMapping(oldDirectory: "/srv/odd=name", newDirectory: "/srv/new"),
            ]
        )
        #expect(configuration.servicePromoteCommand == "sudo systemctl promote")
        #expect(configuration.repmgrdServiceStartCommand == "sudo systemctl start repmgrd")
        #expect(configuration.repmgrdServiceStopCommand == "sudo systemctl stop repmgrd")
        #expect(configuration.repmgrdStandbyStartupTimeout == 90)
        #expect(
            configuration.pgbouncerAdminConninfo == [
                "host=pgb1 port=6432 dbname=pgbouncer user=admin", "host=pgb2,pgb3 port=6432 dbname=pgbouncer",
            ]
        )
        #expect(configuration.pgbouncerDatabases == "app,reports")
        #expect(configuration.fenceCommand == "/usr/local/bin/fence %n")
        #expect(configuration.unfenceCommand == "/usr/local/bin/unfence %n")
        #expect(configuration.fenceMode == .stop)
        #expect(configuration.autoRejoin)
        #expect(configuration.notificationTimeout == 30)
        #expect(configuration.rawValues["log_level"] == "debug")
        #expect(configuration.rawValues["tablespace_mapping"] == "/srv/odd\\=name=/srv/new")
    }

    @Test func replicationUserFallsBackToTheConninfoUser() throws {
        #expect(try load(minimal).replicationUser == "repmgr")
        let noUser = minimal.replacingOccurrences(of: " user=repmgr", with: "")
        #expect(try load(noUser).replicationUser == "")
        let uri = minimal.replacingOccurrences(
            of: "'host=db1 user=repmgr dbname=repmgr'",
            with: "'postgresql://walker@db1/repmgr'"
        )
        #expect(try load(uri).replicationUser == "walker")
    }

    @Test func lastOccurrenceWinsAndIsReported() throws {
        let text = minimal + "priority=10\npriority=20\n"
        let (configuration, warnings) = try ConfigurationLoader.parse(text: text, path: configPath)
        #expect(configuration.priority == 20)
        #expect(warnings.count == 1)
        #expect(warnings.first?.key == "priority")
        #expect(warnings.first?.line == 6)
        #expect(warnings.first?.message.contains("line 5") == true)
    }

    @Test func storesTheFilePathAbsolute() throws {
        let relative = try load(minimal, path: "conf/./repmgr.conf")
        #expect(relative.filePath == FileManager.default.currentDirectoryPath + "/conf/repmgr.conf")
        #expect(try load(minimal, path: "/etc//pgwarden/repmgr.conf").filePath == "/etc/pgwarden/repmgr.conf")
    }

    // MARK: Warnings

    @Test func unknownKeyIsAWarningNotAnError() throws {
        let text = minimal + "# a comment\nfoo = bar\n"
        let (configuration, warnings) = try ConfigurationLoader.parse(text: text, path: configPath)
        #expect(
            warnings == [
                ConfigurationWarning(
                    file: configPath, line: 6, key: "foo", message: "unknown configuration key \"foo\"")
            ]
        )
        #expect(
            warnings.first?.description
                == "WARNING: unknown configuration key \"foo\" in \"/etc/pgwarden/repmgr.conf\" line 6"
        )
        #expect(configuration.rawValues["foo"] == "bar")
    }

    @Test func deprecatedKeysGetRepmgrsWarning() {
        let found = warnings(minimal + "loglevel=DEBUG\ncluster=test\n")
        #expect(found.map(\.key) == ["loglevel", "cluster"])
        #expect(found.first?.message == "parameter \"loglevel\" has been renamed to \"log_level\"")
        #expect(found.last?.line == 6)
    }

    // MARK: Errors

    @Test func missingFile() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/does-not-exist.conf"
            do throws(WardenError) {
                _ = try ConfigurationLoader.load(path: path)
                Issue.record("loading a missing file succeeded")
            } catch {
                #expect(error.message == "provided configuration file \"\(path)\" not found")
                #expect(error.detail == "No such file or directory")
                #expect(error.exitStatus == .badConfig)
                #expect(error.description.hasPrefix("ERROR: provided configuration file"))
            }
        }
    }

    @Test func directoryInsteadOfAFile() throws {
        try withTemporaryDirectory { directory in
            do throws(WardenError) {
                _ = try ConfigurationLoader.load(path: directory)
                Issue.record("loading a directory succeeded")
            } catch {
                #expect(error.message.contains(directory))
                #expect(error.message.contains("is a directory"))
                #expect(error.exitStatus == .badConfig)
            }
        }
    }

    @Test func unreadableFileMessage() {
        let error = ConfigurationLoader.openError(
            path: "repmgr.conf",
            absolutePath: "/etc/repmgr.conf",
            code: EACCES
        )
        #expect(error.message == "unable to read configuration file \"/etc/repmgr.conf\": permission denied")
        #expect(error.detail == "Permission denied")
        #expect(error.hint?.contains("permissions") == true)
        #expect(error.exitStatus == .badConfig)
    }

    /// Root reads any file, so this needs an ordinary user.
    @Test(.enabled(if: getuid() != 0)) func unreadableFile() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/repmgr.conf"
            try write(minimal, to: path)
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
            do throws(WardenError) {
                _ = try ConfigurationLoader.load(path: path)
                Issue.record("loading an unreadable file succeeded")
            } catch {
                #expect(error.message.contains(path))
                #expect(error.hint?.contains("permissions") == true)
                #expect(error.exitStatus == .badConfig)
            }
        }
    }

    @Test func loadsAFileFromDisk() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/repmgr.conf"
            try write(minimal + "bogus=1\n", to: path)
            let (configuration, warnings) = try ConfigurationLoader.load(path: path)
            #expect(configuration.filePath == path)
            #expect(configuration.nodeName == "node1")
            #expect(warnings.map(\.key) == ["bogus"])
            #expect(warnings.first?.file == path)
        }
    }

    @Test func malformedLinesNameFileLineAndKey() {
        let error = configurationError(
            minimal + """
                failover
                promote_command='/usr/bin/repmgr standby promote
                = 3
                """
        )
        #expect(error?.message == "following errors were found in the configuration file:")
        #expect(error?.exitStatus == .badConfig)
        #expect(
            problems(error) == [
                "syntax error in file \"\(configPath)\" line 5: missing \"=\" after parameter name \"failover\"",
                "syntax error in file \"\(configPath)\" line 6: unterminated quoted value for \"promote_command\"",
                "syntax error in file \"\(configPath)\" line 7: missing parameter name before \"=\"",
            ]
        )
    }

    @Test func nonIntegerValue() {
        let error = configurationError(minimal.replacingOccurrences(of: "node_id=1", with: "node_id=abc"))
        #expect(error?.exitStatus == .badConfig)
        #expect(problems(error) == ["\"node_id\": invalid value (provided: \"abc\") in file \"\(configPath)\" line 1"])
        #expect(
            problems(configurationError(minimal + "reconnect_attempts=5x"))
                == ["\"reconnect_attempts\": invalid value (provided: \"5x\") in file \"\(configPath)\" line 5"]
        )
        #expect(
            problems(configurationError(minimal + "priority=")).first?.contains("\"priority\": invalid value") == true)
        #expect(
            problems(configurationError(minimal + "priority=99999999999")).first?.contains("2147483647 or less")
                == true
        )
    }

    @Test(arguments: ["0", "-1"])
    func nodeIDMustBePositive(value: String) {
        let error = configurationError(minimal.replacingOccurrences(of: "node_id=1", with: "node_id=\(value)"))
        #expect(error?.exitStatus == .badConfig)
        #expect(
            problems(error) == [
                "\"node_id\": must be 1 or greater (provided: \"\(value)\") in file \"\(configPath)\" line 1"
            ]
        )
    }

    @Test func negativePriority() {
        let error = configurationError(minimal + "priority=-5\n")
        #expect(error?.exitStatus == .badConfig)
        #expect(
            problems(error) == [
                "\"priority\": must be 0 or greater (provided: \"-5\") in file \"\(configPath)\" line 5"
            ]
        )
    }

    @Test func badBoolean() {
        let error = configurationError(minimal + "use_replication_slots=maybe\n")
        #expect(error?.exitStatus == .badConfig)
        #expect(
            problems(error) == [
                "\"use_replication_slots\": unable to interpret \"maybe\" as a boolean value "
                    + "in file \"\(configPath)\" line 5"
            ]
        )
    }

    @Test func valueNotInTheEnumeration() {
        let failover = configurationError(minimal + "failover=auto\n")
        #expect(failover?.exitStatus == .badConfig)
        #expect(
            problems(failover) == [
                "value for \"failover\" must be \"manual\" or \"automatic\" (provided: \"auto\") "
                    + "in file \"\(configPath)\" line 5"
            ]
        )
        let check = problems(configurationError(minimal + "connection_check_type=tcp\n")).first
        #expect(check?.contains("one of \"ping\", \"connection\" or \"query\"") == true)
        #expect(problems(configurationError(minimal + "log_level=VERBOSE\n")).first?.contains("\"log_level\"") == true)
        #expect(problems(configurationError(minimal + "replication_type=logical\n")).count == 1)
        #expect(problems(configurationError(minimal + "fence_mode=shoot\n")).first?.contains("\"read_only\"") == true)
    }

    @Test func otherValueChecks() {
        #expect(
            problems(configurationError(minimal + "recovery_min_apply_delay=5 minutes\n")).first?
                .contains("\"recovery_min_apply_delay\": invalid value") == true
        )
        #expect(
            problems(configurationError(minimal + "tablespace_mapping=/srv/ts1\n")).first?
                .contains("must be \"OLDDIR=NEWDIR\"") == true
        )
        #expect(
            problems(configurationError(minimal + "node_name='\(String(repeating: "n", count: 64))'\n")).first?
                .contains("fewer than 64 characters") == true
        )
        #expect(
            problems(configurationError(minimal + "replication_lag_warning=900\n"))
                == [
                    "\"replication_lag_critical\" must be greater than \"replication_lag_warning\" "
                        + "in file \"\(configPath)\" line 5"
                ]
        )
    }

    @Test(arguments: ["node_id", "node_name", "conninfo", "data_directory"])
    func missingRequiredParameter(name: String) {
        let text = minimal.split(separator: "\n").filter { !$0.hasPrefix(name + "=") }.joined(separator: "\n")
        let error = configurationError(text)
        #expect(error?.message == "following errors were found in the configuration file:")
        #expect(error?.exitStatus == .badConfig)
        #expect(problems(error) == ["\"\(name)\": required parameter was not found in file \"\(configPath)\""])
    }

    @Test func emptyRequiredParameterIsMissing() {
        let error = configurationError(minimal.replacingOccurrences(of: "node_name='node1'", with: "node_name=''"))
        #expect(problems(error) == ["\"node_name\": required parameter was not found in file \"\(configPath)\""])
    }

    @Test func conninfoLibpqRejects() {
        let text = minimal.replacingOccurrences(
            of: "'host=db1 user=repmgr dbname=repmgr'",
            with: "'host=127.0.0.1 portx=5503 user=repmgr password=s3cret'"
        )
        let error = configurationError(text)
        #expect(error?.exitStatus == .badConfig)
        #expect(
            problems(error) == [
                "\"conninfo\": invalid connection option \"portx\" in file \"\(configPath)\" line 3\n"
                    + "\t(provided: \"host=127.0.0.1 portx=5503 user=repmgr password=********\")"
            ]
        )
        #expect(error?.description.contains("s3cret") == false)
        #expect(
            problems(configurationError(minimal + "pgbouncer_admin_conninfo='host=pgb bogus=1'\n")).first?
                .hasPrefix("\"pgbouncer_admin_conninfo\": invalid connection option \"bogus\"") == true
        )
    }

    @Test func dataDirectoryMustBeAbsolute() throws {
        let text = minimal.replacingOccurrences(of: "'/var/lib/postgresql/15/main'", with: "'pgdata'")
        #expect(
            problems(configurationError(text)) == [
                "\"data_directory\": must be an absolute path (provided: \"pgdata\") in file \"\(configPath)\" line 4"
            ]
        )
        let tidy = minimal.replacingOccurrences(of: "'/var/lib/postgresql/15/main'", with: "'/srv//pg/./data/'")
        #expect(try load(tidy).dataDirectory == "/srv/pg/data")
        #expect(try load(minimal + "log_file='repmgrd.log'\n").logFile == "repmgrd.log")
    }

    @Test func includeDirectivesAreRejected() {
        let found = problems(configurationError(minimal + "include 'other.conf'\ninclude_dir='conf.d'\n"))
        #expect(found.count == 2)
        #expect(found.last?.hasPrefix("\"include_dir\": include directives are not supported") == true)
    }

    @Test func everyProblemIsReportedAtOnceInRepmgrsLayout() {
        let error = configurationError(
            """
            node_id=abc
            conninfo='host=127.0.0.1 portx=5503 user=repmgr'
            failover=sometimes
            unknown_key=1
            """
        )
        #expect(error?.message == "following errors were found in the configuration file:")
        #expect(error?.exitStatus == .badConfig)
        #expect(
            error?.detail == """
                  "node_id": invalid value (provided: "abc") in file "\(configPath)" line 1
                  "conninfo": invalid connection option "portx" in file "\(configPath)" line 2
                \t(provided: "host=127.0.0.1 portx=5503 user=repmgr")
                  value for "failover" must be "manual" or "automatic" (provided: "sometimes") in file "\(configPath)" line 3
                  "node_name": required parameter was not found in file "\(configPath)"
                  "data_directory": required parameter was not found in file "\(configPath)"
                """
        )
    }

    // MARK: Locating the file

    @Test func lookupOrder() throws {
        try withTemporaryDirectory { directory in
            let explicit = directory + "/explicit.conf"
            let fromEnvironment = directory + "/environment.conf"
            let system = directory + "/etc-repmgr.conf"
            let working = directory + "/work"
            try FileManager.default.createDirectory(atPath: working, withIntermediateDirectories: true)
            let environment = ["PGWARDEN_CONFIG": fromEnvironment]
            func locate(_ explicitPath: String?, _ environment: [String: String]) -> String? {
                ConfigurationLoader.locate(
                    explicitPath: explicitPath,
                    environment: environment,
                    currentDirectory: working,
                    systemPaths: [system]
                )
            }

            // Nothing exists: -f and PGWARDEN_CONFIG are still returned (loading reports them missing).
            #expect(locate(nil, [:]) == nil)
            #expect(locate(explicit, environment) == explicit)
            #expect(locate(nil, environment) == fromEnvironment)
            #expect(locate("", ["PGWARDEN_CONFIG": ""]) == nil)

            try write(minimal, to: system)
            #expect(locate(nil, [:]) == system)

            try write(minimal, to: working + "/repmgr.conf")
            #expect(locate(nil, [:]) == working + "/repmgr.conf")
            #expect(locate(nil, environment) == fromEnvironment)
            #expect(locate(explicit, environment) == explicit)

            // Relative paths are taken from the current directory.
            #expect(locate("node1/repmgr.conf", environment) == working + "/node1/repmgr.conf")
            #expect(locate(nil, ["PGWARDEN_CONFIG": "../environment.conf"]) == working + "/../environment.conf")
        }
    }

    @Test func publicLocateFallsBackToTheCurrentDirectory() throws {
        try withTemporaryDirectory { directory in
            try write(minimal, to: directory + "/repmgr.conf")
            let found = ConfigurationLoader.locate(explicitPath: nil, environment: [:], currentDirectory: directory)
            #expect(found == directory + "/repmgr.conf")
            let explicit = ConfigurationLoader.locate(
                explicitPath: "/nowhere/repmgr.conf",
                environment: ["PGWARDEN_CONFIG": directory + "/repmgr.conf"],
                currentDirectory: directory
            )
            #expect(explicit == "/nowhere/repmgr.conf")
        }
    }
}
