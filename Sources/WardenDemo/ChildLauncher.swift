import Foundation
import WardenEngine

/// Starts the demo's long-running children (daemons, pgbouncer) with ``ChildProcess/spawnLogged``:
/// in a process group of their own (so the terminal's Ctrl-C reaches only the demo, which then stops
/// them in order), standard input from /dev/null and output appended to a file.
enum ChildLauncher {
    static func spawn(_ arguments: [String], environment: [String: String], output: String) throws(WardenError)
        -> ProcessIdentity
    {
        let pid = try ChildProcess.spawnLogged(
            arguments, logFile: output, environment: environment, ownProcessGroup: true)
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
