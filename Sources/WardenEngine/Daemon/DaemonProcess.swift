import Foundation

/// Starting and stopping a node's daemon process (`daemon start` / `daemon stop`): the
/// configured `repmgrd_service_*_command`, or pgwarden itself started in its own session
/// (`pgwarden daemon run`) with its PID in the PID file.
public enum DaemonProcess {
    /// `repmgrd_pid_file`, or a file named after the node in the temporary directory.
    public static func pidFile(for configuration: NodeConfiguration) -> String {
        if !configuration.repmgrdPidFile.isEmpty { return configuration.repmgrdPidFile }
        let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        return "\(directory)/pgwarden-daemon-\(configuration.nodeID).pid"
    }

    /// The PID in the PID file if that process is alive.
    public static func runningPID(for configuration: NodeConfiguration) -> Int32? {
        guard let text = try? String(contentsOfFile: pidFile(for: configuration), encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
            kill(pid, 0) == 0 || errno == EPERM
        else { return nil }
        return pid
    }

    /// Writes this process's PID, refusing when another live daemon owns the file.
    public static func claimPIDFile(for configuration: NodeConfiguration) throws(WardenError) {
        let path = pidFile(for: configuration)
        if let other = runningPID(for: configuration), other != getpid() {
            throw WardenError(
                "a pgwarden daemon for node \(configuration.nodeID) is already running (PID \(other))",
                detail: "PID file: \(path)", hint: "stop it with \"pgwarden daemon stop\"",
                exitStatus: .badPidfile)
        }
        do {
            try "\(getpid())\n".write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw WardenError(
                "unable to write PID file \"\(path)\": \(error.localizedDescription)",
                hint: "set repmgrd_pid_file to a writable path", exitStatus: .badPidfile)
        }
    }

    public static func releasePIDFile(for configuration: NodeConfiguration) {
        if runningPID(for: configuration) == getpid() {
            try? FileManager.default.removeItem(atPath: pidFile(for: configuration))
        }
    }

    /// Starts the daemon and waits until its PID file names a live process.
    public static func start(_ configuration: NodeConfiguration, executable: String, wait: Duration)
        async throws(WardenError) -> Int32
    {
        if let pid = runningPID(for: configuration) {
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
        guard let pid = runningPID(for: configuration) else {
            throw WardenError(
                "no pgwarden daemon is running for node \(configuration.nodeID)",
                detail: "PID file: \(pidFile(for: configuration))", exitStatus: .repmgrdService)
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
