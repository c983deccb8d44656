import Foundation
import WardenEngine

/// Starts the demo's long-running children (daemons, pgbouncer) with posix_spawn: in a process
/// group of their own (so the terminal's Ctrl-C reaches only the demo, which then stops them in
/// order), with an empty signal mask and default signal actions (Swift's threads block some signals
/// and the demo ignores SIGINT/SIGTERM to handle them itself; neither must be inherited), standard
/// input from /dev/null and output appended to a file.
enum ChildLauncher {
    static func spawn(_ arguments: [String], environment: [String: String], output: String) throws(WardenError)
        -> ProcessIdentity
    {
        guard let executable = arguments.first else {
            throw WardenError("nothing to start", exitStatus: .badConfig)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?] =
            environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw WardenError(
                "could not start \(executable): \(String(cString: strerror(status)))", exitStatus: .badConfig)
        }
        return identity(of: pid, expecting: arguments.joined(separator: " "))
    }

    /// The child's identity once it runs the new program (right after posix_spawn, /proc may still
    /// show the parent's or an empty command line).
    private static func identity(of pid: pid_t, expecting commandLine: String) -> ProcessIdentity {
        var latest = ProcessIdentity.of(pid)
        for _ in 0..<200 where latest?.commandLine != commandLine {
            usleep(5_000)
            latest = ProcessIdentity.of(pid)
        }
        return latest ?? ProcessIdentity(pid: pid, startTime: 0, commandLine: commandLine)
    }

    /// Collects the exit status of a child that ended; true when `pid` has ended (or is not our child).
    static func reap(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        return result == pid || (result < 0 && errno == ECHILD)
    }
}
