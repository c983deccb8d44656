import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process-wide record of everything the harness started or created: PostgreSQL data directories (and
/// the postmasters running on them), background processes, and sandboxes.
///
/// Nothing may outlive the test process, even when a test fails or the process crashes:
/// - Tests clean up in `defer`/`deinit` (``TestSandbox/cleanup()`` stops every server under the sandbox).
/// - An `atexit` handler, registered once, first SIGKILLs registered background processes (so no daemon
///   restarts a server behind its back), then stops every still-running server: SIGCONT (a paused
///   postmaster cannot shut down), `pg_ctl -m immediate stop`, and SIGKILL of the postmaster and its
///   children if that fails; then it removes the sandboxes.
/// - `atexit` does not run when the process is killed or traps, so a watchdog (`/bin/sh`, in its own session)
///   waits for this process to die and then does the same from a registry file, `/tmp/pgwarden-harness-PID.registry`.
///   After a normal exit the `atexit` handler has already removed that file and the watchdog just exits.
///
/// Servers are found through their data directory: the PID in `postmaster.pid` is trusted only while that
/// process's working directory is the data directory, so a stale PID file never makes the harness signal
/// an unrelated process. This also catches servers that pgwarden itself restarted.
final class ServerRegistry: @unchecked Sendable {
    static let shared = ServerRegistry()

    private let lock = NSLock()
    private var dataDirectories: [String] = []
    private var sandboxes: [String] = []
    private var processes: [pid_t] = []
    private let registryFile = "/tmp/pgwarden-harness-\(getpid()).registry"

    private init() {
        atexit {
            ServerRegistry.shared.cleanUpEverything()
        }
        startWatchdog()
    }

    // MARK: Registration

    /// Records a data directory whose server must be stopped at exit.
    func registerServer(dataDirectory: String) {
        mutate { if !dataDirectories.contains(dataDirectory) { dataDirectories.append(dataDirectory) } }
    }

    func unregisterServer(dataDirectory: String) {
        mutate { dataDirectories.removeAll { $0 == dataDirectory } }
    }

    /// Records a sandbox directory to remove at exit.
    func registerSandbox(_ path: String) {
        mutate { if !sandboxes.contains(path) { sandboxes.append(path) } }
    }

    func unregisterSandbox(_ path: String) {
        mutate { sandboxes.removeAll { $0 == path } }
    }

    /// Records a background process (for example a pgwarden daemon started by a test); at exit its process
    /// group and the process itself get SIGKILL.
    func registerProcess(_ pid: pid_t) {
        mutate { if !processes.contains(pid) { processes.append(pid) } }
    }

    func unregisterProcess(_ pid: pid_t) {
        mutate { processes.removeAll { $0 == pid } }
    }

    // MARK: Cleanup

    /// Stops every registered server whose data directory lies under `path` and forgets it.
    func stopServers(under path: String) {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        let victims = lock.withLock { dataDirectories.filter { $0.hasPrefix(prefix) } }
        for dataDirectory in victims {
            Self.stopServer(dataDirectory: dataDirectory)
            unregisterServer(dataDirectory: dataDirectory)
        }
    }

    /// Stops every server, kills every background process, removes every sandbox. Called at exit.
    func cleanUpEverything() {
        let (servers, pids, directories) = lock.withLock { (dataDirectories, processes, sandboxes) }
        for pid in pids {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        for dataDirectory in servers {
            Self.stopServer(dataDirectory: dataDirectory)
        }
        for directory in directories {
            try? FileManager.default.removeItem(atPath: directory)
        }
        mutate {
            dataDirectories.removeAll()
            processes.removeAll()
            sandboxes.removeAll()
        }
        unlink(registryFile)
    }

    /// The PID of the postmaster running on `dataDirectory`, or nil. Read from `postmaster.pid` and trusted
    /// only if that process is alive and its working directory is the data directory.
    static func runningPostmaster(dataDirectory: String) -> pid_t? {
        guard
            let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let firstLine = text.split(separator: "\n").first,
            let pid = pid_t(firstLine.trimmingCharacters(in: .whitespaces)),
            ProcessTable.isAlive(pid)
        else { return nil }
        let expected = URL(fileURLWithPath: dataDirectory).resolvingSymlinksInPath().path
        guard let cwd = ProcessTable.workingDirectory(of: pid),
            URL(fileURLWithPath: cwd).resolvingSymlinksInPath().path == expected
        else { return nil }
        return pid
    }

    /// Stops the server on `dataDirectory` if one runs: SIGCONT, `pg_ctl -m immediate stop`, then SIGKILL
    /// of the postmaster and of the children it had, if anything is left.
    static func stopServer(dataDirectory: String) {
        guard let pid = runningPostmaster(dataDirectory: dataDirectory) else { return }
        let children = ProcessTable.children(of: pid)
        kill(pid, SIGCONT)
        if let pgCtl = try? PostgresBinaries.path("pg_ctl"), let user = try? SystemUser.serverUser() {
            _ = try? ProcessRunner.run(
                [pgCtl, "-D", dataDirectory, "-m", "immediate", "-w", "-t", "20", "stop"],
                asUser: user.name, timeout: .seconds(30))
        }
        if ProcessTable.isAlive(pid) {
            kill(pid, SIGKILL)
        }
        killLeftovers(children)
    }

    /// SIGKILLs whichever of `pids` still run a PostgreSQL process (after a postmaster died, its children
    /// exit by themselves within moments; this makes sure).
    static func killLeftovers(_ pids: [pid_t]) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(2))
        while clock.now < deadline, pids.contains(where: { ProcessTable.isAlive($0) }) {
            usleep(20_000)
        }
        for pid in pids where ProcessTable.isAlive(pid) {
            let argv0 = ProcessTable.commandLine(of: pid).first ?? ""
            if argv0.hasPrefix("postgres") || argv0.hasSuffix("/postgres") {
                kill(pid, SIGKILL)
            }
        }
    }

    // MARK: Registry file and watchdog

    private func mutate(_ change: () -> Void) {
        lock.withLock {
            change()
            writeRegistryFile()
        }
    }

    /// Called with the lock held.
    private func writeRegistryFile() {
        var lines: [String] = []
        lines += processes.map { "process \($0)" }
        lines += dataDirectories.map { "server \($0)" }
        lines += sandboxes.map { "sandbox \($0)" }
        let text = lines.joined(separator: "\n") + "\n"
        let temporary = registryFile + ".new"
        if FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) {
            rename(temporary, registryFile)
        }
    }

    private func startWatchdog() {
        let pgCtl = (try? PostgresBinaries.path("pg_ctl")) ?? ""
        let runAs: String
        if let user = try? SystemUser.serverUser(), !SystemUser.isCurrent(user.name) {
            runAs = user.name
        } else {
            runAs = "-"
        }
        let script = """
            owner=$1 registry=$2 pgctl=$3 runas=$4 outputs=$5
            while kill -0 "$owner" 2>/dev/null; do sleep 0.5; done
            rm -f -- "$outputs"*
            [ -f "$registry" ] || exit 0
            while read -r kind value; do
              if [ "$kind" = process ]; then kill -KILL -- "-$value" 2>/dev/null; kill -KILL "$value" 2>/dev/null; fi
            done < "$registry"
            while read -r kind value; do
              [ "$kind" = server ] || continue
              [ -f "$value/postmaster.pid" ] || continue
              pid=$(head -n 1 "$value/postmaster.pid")
              [ -n "$pid" ] || continue
              [ "$(readlink -f "/proc/$pid/cwd" 2>/dev/null)" = "$(readlink -f "$value")" ] || continue
              children=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
              kill -CONT "$pid" 2>/dev/null
              if [ -n "$pgctl" ]; then
                if [ "$runas" = - ]; then "$pgctl" -D "$value" -m immediate -w -t 20 stop >/dev/null 2>&1
                else runuser -u "$runas" -- "$pgctl" -D "$value" -m immediate -w -t 20 stop >/dev/null 2>&1; fi
              fi
              sleep 1
              if [ "$(readlink -f "/proc/$pid/cwd" 2>/dev/null)" = "$(readlink -f "$value")" ]; then kill -KILL "$pid" 2>/dev/null; fi
              for child in $children; do
                case "$(tr '\\0' ' ' < "/proc/$child/cmdline" 2>/dev/null)" in postgres*) kill -KILL "$child" 2>/dev/null ;; esac
              done
            done < "$registry"
            while read -r kind value; do
              if [ "$kind" = sandbox ]; then rm -rf -- "$value"; fi
            done < "$registry"
            rm -f -- "$registry"
            """
        _ = try? ProcessRunner.spawn(
            [
                "/bin/sh", "-c", script, "pgwarden-harness-watchdog", "\(getpid())", registryFile, pgCtl,
                runAs, TemporaryOutputFile.pathPrefix,
            ],
            workingDirectory: "/", newSession: true)
    }
}
