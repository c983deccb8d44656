import Foundation

/// `node service`: starts, stops, restarts, reloads or promotes the local PostgreSQL server with the
/// node's `service_*_command`, or with `pg_ctl` from `pg_bindir` when none is configured.
///
/// The default commands are repmgr's (`pg_ctl <pg_ctl_options> -w -D <dir> start`, ...), with two
/// differences: stop waits (`-w`) so that "stopped" means stopped, and start/restart pass
/// `-l <data_directory>/pgwarden-server.log` unless `pg_ctl_options` already names a log file, so that the
/// server's output has somewhere to go. `-D` is `config_directory` when set, as in repmgr.
///
/// Commands run as `/bin/sh -c` with their output appended to `<data_directory>/pgwarden-service.log`,
/// never to a pipe (`pg_ctl start` leaves a daemon that keeps whatever it inherited open), and pgwarden
/// waits for the command's own exit, not the daemon's (``ChildProcess/runLogged(_:logFile:)``). What the
/// command printed is read back from that file and shown when it fails (exit code 5). `pg_ctl_options`
/// and the `service_*_command` settings are shell text from the configuration and are used as written.
public struct NodeService: Sendable {
    /// The `--action` values.
    public enum Action: String, Sendable, CaseIterable {
        case start, stop, restart, reload, promote
    }

    public let configuration: NodeConfiguration

    public init(configuration: NodeConfiguration) {
        self.configuration = configuration
    }

    /// The directory given to `pg_ctl -D`.
    public var controlDirectory: String {
        configuration.configDirectory.isEmpty ? configuration.dataDirectory : configuration.configDirectory
    }

    /// The server log `pg_ctl -l` writes to by default.
    public var serverLogFile: String { configuration.dataDirectory + "/pgwarden-server.log" }

    /// Where the output of the service commands is appended.
    public var commandLogFile: String { configuration.dataDirectory + "/pgwarden-service.log" }

    /// The configured `service_<action>_command`, if any.
    public func configuredCommand(for action: Action) -> String? {
        switch action {
        case .start: configuration.serviceStartCommand
        case .stop: configuration.serviceStopCommand
        case .restart: configuration.serviceRestartCommand
        case .reload: configuration.serviceReloadCommand
        case .promote: configuration.servicePromoteCommand
        }
    }

    /// The shell command line for `action`.
    public func command(for action: Action) -> String {
        if let configured = configuredCommand(for: action) { return configured }
        let pgCtl = ShellQuoting.quote(configuration.binaryPath("pg_ctl"))
        let options = configuration.pgCtlOptions.trimmingCharacters(in: .whitespaces)
        let prefix = options.isEmpty ? pgCtl : "\(pgCtl) \(options)"
        let directory = ShellQuoting.quote(controlDirectory)
        let hasLog = options.range(of: #"(^|\s)(-l|--log)(\s|=|$)"#, options: .regularExpression) != nil
        let log = hasLog ? "" : " -l \(ShellQuoting.quote(serverLogFile))"
        switch action {
        case .start: return "\(prefix) -w -D \(directory)\(log) start"
        case .stop: return "\(prefix) -D \(directory) -m fast -w stop"
        case .restart: return "\(prefix) -w -D \(directory)\(log) -m fast restart"
        case .reload: return "\(prefix) -D \(directory) reload"
        case .promote: return "\(prefix) -w -D \(directory) promote"
        }
    }

    /// `--list-actions`: repmgr's listing of the command for every action.
    public var actionListing: [String] {
        var lines = ["Following commands would be executed for each action:", ""]
        for action in Action.allCases {
            let label = String(repeating: " ", count: 9 - action.rawValue.count) + action.rawValue
            lines.append("\(label): \"\(command(for: action))\"")
        }
        lines.append("")
        return lines
    }

    /// What `action` would do, as `--dry-run` shows it.
    public func plan(_ action: Action, checkpoint: Bool) -> OperationPlan {
        var plan = OperationPlan(operation: "node service --action=\(action.rawValue)")
        if checkpoint && (action == .stop || action == .restart) {
            plan.actions.append(
                "issue a CHECKPOINT on node \"\(configuration.nodeName)\" (ID: \(configuration.nodeID))")
        }
        plan.actions.append("execute server command \"\(command(for: action))\"")
        return plan
    }

    /// Runs `action`; with `checkpoint`, a stop or restart is preceded by a CHECKPOINT (a failure to
    /// issue it is a warning, as in repmgr).
    public func run(_ action: Action, checkpoint: Bool, report: @escaping MessageSink) async throws(WardenError) {
        if checkpoint && (action == .stop || action == .restart) {
            await issueCheckpoint(report: report)
        }
        let command = command(for: action)
        report(OperationMessage(.info, "executing server command \"\(command)\""))
        let before = Self.fileSize(commandLogFile)
        let result = await ChildProcess.runLogged(["/bin/sh", "-c", command], logFile: commandLogFile)
        guard result.exitCode != 0 else { return }
        let output = Self.readTail(commandLogFile, from: before)
        let exitCode = result.exitCode
        throw WardenError(
            "unable to execute server command \"\(command)\" (exit code \(exitCode))",
            detail: output.isEmpty ? nil : Conninfo.maskPasswords(in: output),
            hint: configuredCommand(for: action) == nil
                ? "check pg_bindir and data_directory, and run pgwarden as the user that owns the data directory"
                : "check service_\(action.rawValue)_command in \(configuration.filePath)",
            exitStatus: .localCommand)
    }

    private func issueCheckpoint(report: @escaping MessageSink) async {
        let label = "node \"\(configuration.nodeName)\" (ID: \(configuration.nodeID))"
        do throws(WardenError) {
            let connection = try await PostgresConnection.connect(try Conninfo(parsing: configuration.conninfo))
            report(OperationMessage(.notice, "issuing CHECKPOINT on \(label)"))
            try await connection.query("CHECKPOINT", timeout: .seconds(300))
        } catch {
            report(
                OperationMessage(
                    .warning, "unable to issue a CHECKPOINT on \(label)", detail: error.detail ?? error.message,
                    hint: "a superuser (or a member of pg_checkpoint) connection is required to issue a CHECKPOINT"))
        }
    }

    static func fileSize(_ path: String) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
    }

    /// What was appended to `path` after `offset` (at most the last 4 kB), trimmed.
    static func readTail(_ path: String, from offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = fileSize(path)
        guard size > offset else { return "" }
        let start = max(offset, size > 4096 ? size - 4096 : 0)
        do {
            try handle.seek(toOffset: start)
            let data = try handle.readToEnd() ?? Data()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            return ""
        }
    }
}
