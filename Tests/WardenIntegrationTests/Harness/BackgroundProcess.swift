import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A long-running child started by a test (a pgwarden daemon, pgbouncer in the foreground, ...).
///
/// Started through ``ProcessRunner/spawn(_:asUser:environment:workingDirectory:outputPath:newSession:)``
/// (empty signal mask, own process group, stdout and stderr appended to a file, never a pipe) and
/// registered with ``ServerRegistry`` so it is killed at exit even if the test forgets.
///
/// With `asUser`, the direct child is `runuser`, which forks the real command and, when it receives a
/// signal itself, SIGKILLs that command two seconds later. So ``send(_:)``/``terminate(timeout:)`` signal the
/// real command only (its exit status comes back through `runuser`), while ``kill()`` and `deinit` SIGKILL
/// the whole process group and reap the child.
final class BackgroundProcess: @unchecked Sendable {
    let command: [String]
    /// PID of the direct child (`runuser` when `asUser` is another user), also its process group id.
    let pid: pid_t
    /// Where stdout and stderr go.
    let outputPath: String

    private let runsUnderRunuser: Bool
    private let lock = NSLock()
    private var status: Int32?

    /// Starts `argv` and returns at once. A `wrapper` that execs its command in place (`ip netns exec NS`)
    /// goes in front of everything, `runuser` included.
    init(
        _ argv: [String], asUser: String? = nil, environment: [String: String] = [:],
        workingDirectory: String? = nil, outputPath: String, wrapper: [String] = []
    ) throws {
        command = argv
        self.outputPath = outputPath
        runsUnderRunuser = asUser.map { !SystemUser.isCurrent($0) } ?? false
        pid = try ProcessRunner.spawn(
            argv, asUser: asUser, environment: environment, workingDirectory: workingDirectory,
            outputPath: outputPath, wrapper: wrapper)
        ServerRegistry.shared.registerProcess(pid)
    }

    deinit {
        kill()
    }

    /// Everything the process wrote so far.
    func output() -> String {
        guard let data = FileManager.default.contents(atPath: outputPath) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// True until the child has exited (reaps it when it has).
    var isRunning: Bool { reap(blocking: false) == nil }

    /// The exit code (shell convention: 128 + signal when killed) once the child has exited.
    var exitCode: Int32? { reap(blocking: false) }

    /// The PID of the command itself: ``pid``, or `runuser`'s child (nil until it has forked).
    var commandPID: pid_t? {
        runsUnderRunuser ? ProcessTable.children(of: pid).first : pid
    }

    /// Sends `signal` to the command itself (not to `runuser`; see the type's documentation).
    func send(_ signal: Int32) {
        guard isRunning else { return }
        if runsUnderRunuser {
            _ = try? Polling.until(
                "runuser to start \(command.first ?? "the command")", timeout: .seconds(5)
            ) {
                commandPID != nil || !isRunning
            }
        }
        if let target = commandPID { Glibc.kill(target, signal) }
    }

    /// SIGTERM to the command; SIGKILL to the group after `timeout`. Returns the exit code.
    @discardableResult
    func terminate(timeout: Duration = .seconds(10)) -> Int32? {
        send(SIGTERM)
        if let code = waitForExit(timeout: timeout) { return code }
        kill()
        return exitCode
    }

    /// SIGKILL to the group, then reaps the child.
    func kill() {
        if isRunning {
            Glibc.kill(-pid, SIGKILL)
            Glibc.kill(pid, SIGKILL)
            _ = reap(blocking: true)
        }
        ServerRegistry.shared.unregisterProcess(pid)
    }

    /// Waits up to `timeout` for the child to exit; returns its exit code, or nil if it still runs.
    func waitForExit(timeout: Duration) -> Int32? {
        try? Polling.until("\(command.first ?? "process") to exit", timeout: timeout) {
            reap(blocking: false) != nil
        }
        return exitCode
    }

    private func reap(blocking: Bool) -> Int32? {
        lock.withLock {
            if let status { return status }
            var raw: Int32 = 0
            var result: pid_t
            repeat {
                result = waitpid(pid, &raw, blocking ? 0 : WNOHANG)
            } while result == -1 && errno == EINTR
            guard result == pid else { return nil }
            let low = raw & 0x7f
            let code = low == 0 ? (raw >> 8) & 0xff : 128 + low
            status = code
            return code
        }
    }
}
