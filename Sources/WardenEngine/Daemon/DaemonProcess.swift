import Foundation

/// Starting and stopping a node's daemon process (`daemon start` / `daemon stop`): the
/// configured `repmgrd_service_*_command`, or pgwarden itself started in its own session
/// (`pgwarden daemon run`) with its PID in the PID file.
public enum DaemonProcess {
    /// `repmgrd_pid_file`, or `pgwarden-daemon.pid` in the node's ``StateDirectory``.
    public static func pidFile(for configuration: NodeConfiguration) -> String {
        if !configuration.repmgrdPidFile.isEmpty { return configuration.repmgrdPidFile }
        return StateDirectory(configuration: configuration).pidFile
    }

    /// What the PID file says. Throws, naming the file and what to do, when it cannot be trusted:
    /// a link, not a regular file, owned by another user, or larger than a PID file; and when the
    /// default one lies in a state directory that fails its checks (see ``StateDirectory``).
    public static func pidFileState(for configuration: NodeConfiguration) throws(WardenError) -> PIDFileState {
        let path = pidFile(for: configuration)
        if configuration.repmgrdPidFile.isEmpty {
            _ = try StateDirectory(configuration: configuration).checkIfPresent()
        }
        let data: Data?
        do {
            data = try SafeFile.contents(path, limit: 64)
        } catch {
            throw WardenError(
                "refusing to use the PID file: \(error.message)", detail: "PID file: \(path)",
                hint: "remove it if no pgwarden daemon of node \(configuration.nodeID) runs, or set repmgrd_pid_file",
                exitStatus: .badPidfile)
        }
        guard let data else { return .absent }
        guard let pid = Int32(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
            pid > 0
        else { return .stale(reason: "the PID file \"\(path)\" holds no PID") }
        if let mismatch = DaemonProcessIdentity.mismatch(pid: pid, configurationFile: configuration.filePath) {
            return .stale(reason: "the PID file \"\(path)\" names PID \(pid), but \(mismatch)")
        }
        return .running(pid)
    }

    /// The PID of this configuration's running daemon (nil when none runs or the file cannot be trusted).
    public static func runningPID(for configuration: NodeConfiguration) -> Int32? {
        if case .running(let pid) = try? pidFileState(for: configuration) { return pid }
        return nil
    }

    /// Writes this process's PID, refusing when another live daemon owns the file.
    public static func claimPIDFile(for configuration: NodeConfiguration) throws(WardenError) {
        let path = pidFile(for: configuration)
        if case .running(let other) = try pidFileState(for: configuration), other != getpid() {
            throw WardenError(
                "a pgwarden daemon for node \(configuration.nodeID) is already running (PID \(other))",
                detail: "PID file: \(path)", hint: "stop it with \"pgwarden daemon stop\"",
                exitStatus: .badPidfile)
        }
        do {
            try SafeFile.replace(path, with: Data("\(getpid())\n".utf8), mode: 0o644, durable: true)
        } catch {
            throw WardenError(
                "unable to write PID file \"\(path)\": \(error.message)",
                hint: "set repmgrd_pid_file to a writable path", exitStatus: .badPidfile)
        }
    }

    public static func releasePIDFile(for configuration: NodeConfiguration) {
        if runningPID(for: configuration) == getpid() {
            unlink(pidFile(for: configuration))
        }
    }

    /// Starts the daemon and waits until its PID file names a live process.
    public static func start(_ configuration: NodeConfiguration, executable: String, wait: Duration)
        async throws(WardenError) -> Int32
    {
        if configuration.repmgrdServiceStartCommand == nil {
            // The daemon would refuse to run: say why now rather than after the wait.
            _ = try StateDirectory(configuration: configuration).checkIfPresent()
        }
        if case .running(let pid) = try pidFileState(for: configuration) {
            throw WardenError(
                "the pgwarden daemon for node \(configuration.nodeID) is already running (PID \(pid))",
                exitStatus: .repmgrdService)
        }
        let command: [String]
        if let custom = configuration.repmgrdServiceStartCommand {
            command = ["/bin/sh", "-c", custom]
        } else {
            command = ["/usr/bin/setsid", executable, "daemon", "run", "-f", configuration.filePath]
        }
        let log = DaemonLog.path(for: configuration)
        if configuration.repmgrdServiceStartCommand == nil {
            try await launchInBackground(command, logFile: log)
        } else {
            let outcome = await ChildProcess.runLogged(command, logFile: log)
            guard outcome.exitCode == 0 else {
                throw WardenError(
                    "repmgrd_service_start_command failed with exit code \(outcome.exitCode)", detail: "see \(log)",
                    exitStatus: .repmgrdService)
            }
        }
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline {
            if let pid = runningPID(for: configuration) { return pid }
            try? await Task.sleep(for: .milliseconds(100))
        }
        throw WardenError(
            "the pgwarden daemon did not start within \(wait.secondsText)", detail: "see \(log)",
            exitStatus: .repmgrdService)
    }

    /// Stops the daemon (SIGTERM, or the configured stop command) and waits until it exited.
    public static func stop(_ configuration: NodeConfiguration, wait: Duration) async throws(WardenError) {
        if let custom = configuration.repmgrdServiceStopCommand {
            let outcome = await ChildProcess.runLogged(
                ["/bin/sh", "-c", custom], logFile: DaemonLog.path(for: configuration))
            guard outcome.exitCode == 0 else {
                throw WardenError(
                    "repmgrd_service_stop_command failed with exit code \(outcome.exitCode)",
                    exitStatus: .repmgrdService)
            }
            return
        }
        let pid: Int32
        switch try pidFileState(for: configuration) {
        case .running(let running):
            pid = running
        case .absent:
            throw WardenError(
                "no pgwarden daemon is running for node \(configuration.nodeID)",
                detail: "PID file: \(pidFile(for: configuration))", exitStatus: .repmgrdService)
        case .stale(let reason):
            throw WardenError(
                "no pgwarden daemon is running for node \(configuration.nodeID): nothing was signalled",
                detail: reason, hint: "remove the PID file if it is left over", exitStatus: .repmgrdService)
        }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline {
            if kill(pid, 0) != 0 && errno == ESRCH { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
        throw WardenError(
            "the pgwarden daemon (PID \(pid)) did not stop within \(wait.secondsText)", exitStatus: .repmgrdService)
    }

    /// Spawns a process that outlives this one, with output appended to `logFile`.
    private static func launchInBackground(_ arguments: [String], logFile: String) async throws(WardenError) {
        let outcome = await ChildProcess.runLogged(
            ["/bin/sh", "-c", arguments.map(ShellQuoting.quote).joined(separator: " ") + " &"], logFile: logFile)
        guard outcome.exitCode == 0 else {
            throw WardenError(
                "unable to start the pgwarden daemon", detail: "see \(logFile)", exitStatus: .repmgrdService)
        }
    }
}
