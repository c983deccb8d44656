import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs external commands for the integration tests.
///
/// Two traps shape this type (see /work/shared/reference/swift-libpq-ncurses.md):
/// - Swift Testing runs tests on threads that block most signals, and children inherit that mask, so a
///   server or daemon started from a test would ignore SIGTERM/SIGHUP/SIGWINCH. Children are therefore
///   spawned with `posix_spawn` and `POSIX_SPAWN_SETSIGMASK` set to an empty mask (and common signals
///   reset to their default action).
/// - A daemon that inherits a pipe keeps it open forever, so reading the pipe never ends. stdout and stderr
///   go to temporary files instead, which are read after the child has been reaped.
///
/// Every child runs in its own process group (or its own session for ``spawn(_:asUser:environment:workingDirectory:outputPath:newSession:)``
/// with `newSession: true`), so a timeout kills the command together with anything it forked in that group
/// (for example `runuser`'s child). `asUser:` prefixes the command with `runuser -u USER --` unless the
/// process already runs as that user. With no `workingDirectory`, a command run as another user starts in
/// `/`, because the test's own working directory (for example a checkout under /root) may be closed to it.
/// `wrapper:` is put in front of everything, `runuser` included (`ip netns exec NS`, which must run as root,
/// see ``NetworkNamespace``).
enum ProcessRunner {
    /// Used when a caller passes no timeout.
    static let defaultTimeout: Duration = .seconds(120)

    /// Runs `argv` to completion (or until `timeout`, after which its process group gets SIGKILL and the
    /// result has `timedOut == true`). Throws only when the command cannot be started at all.
    static func run(
        _ argv: [String],
        asUser: String? = nil,
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        timeout: Duration = defaultTimeout,
        wrapper: [String] = []
    ) throws -> CommandResult {
        try runBlocking(
            argv, asUser: asUser, environment: environment, workingDirectory: workingDirectory,
            timeout: timeout, wrapper: wrapper)
    }

    /// The same as the synchronous ``run(_:asUser:environment:workingDirectory:timeout:)``, but the blocking
    /// wait happens on a dedicated thread, never on the cooperative pool.
    static func run(
        _ argv: [String],
        asUser: String? = nil,
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        timeout: Duration = defaultTimeout,
        wrapper: [String] = []
    ) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        try runBlocking(
                            argv, asUser: asUser, environment: environment,
                            workingDirectory: workingDirectory, timeout: timeout, wrapper: wrapper)
                    })
            }
            thread.name = "ProcessRunner \(argv.first ?? "")"
            thread.start()
        }
    }

    /// Starts `argv` without waiting for it and returns its PID; stdout and stderr are appended to
    /// `outputPath` (or discarded when it is nil). With `newSession`, the child calls `setsid` and survives
    /// the death of this process's process group; otherwise it leads a new process group whose id is its PID.
    /// The caller owns the child: reap it with `waitpid`, or let it outlive this process.
    static func spawn(
        _ argv: [String],
        asUser: String? = nil,
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        outputPath: String? = nil,
        newSession: Bool = false,
        wrapper: [String] = []
    ) throws -> pid_t {
        let fd: Int32
        if let outputPath {
            fd = open(outputPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        } else {
            fd = open("/dev/null", O_WRONLY | O_CLOEXEC)
        }
        guard fd >= 0 else {
            throw HarnessError(
                "cannot open \(outputPath ?? "/dev/null") for output: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        return try spawnChild(
            argv, asUser: asUser, environment: environment, workingDirectory: workingDirectory,
            stdoutFD: fd, stderrFD: fd, newSession: newSession, wrapper: wrapper)
    }

    // MARK: - Implementation

    private static func runBlocking(
        _ argv: [String],
        asUser: String?,
        environment: [String: String],
        workingDirectory: String?,
        timeout: Duration,
        wrapper: [String]
    ) throws -> CommandResult {
        let stdoutFile = try TemporaryOutputFile()
        defer { stdoutFile.remove() }
        let stderrFile = try TemporaryOutputFile()
        defer { stderrFile.remove() }

        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started.advanced(by: timeout)
        let pid = try spawnChild(
            argv, asUser: asUser, environment: environment, workingDirectory: workingDirectory,
            stdoutFD: stdoutFile.fd, stderrFD: stderrFile.fd, newSession: false, wrapper: wrapper)

        var status: Int32 = 0
        var timedOut = false
        var pause: UInt32 = 1_000
        while true {
            let reaped = waitpid(pid, &status, timedOut ? 0 : WNOHANG)
            if reaped == pid { break }
            if reaped == -1 {
                if errno == EINTR { continue }
                throw HarnessError(
                    "waitpid(\(pid)) for `\(argv.joined(separator: " "))` failed: \(String(cString: strerror(errno)))"
                )
            }
            if clock.now >= deadline {
                // The child leads its own process group: kill everything in it.
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                timedOut = true
                continue
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        let duration = started.duration(to: clock.now)

        let lowBits = status & 0x7f
        let exitCode: Int32
        let signal: Int32?
        if lowBits == 0 {
            exitCode = (status >> 8) & 0xff
            signal = nil
        } else {
            exitCode = 128 + lowBits
            signal = lowBits
        }
        var stderr = stderrFile.contents()
        if timedOut {
            stderr += "[harness] killed with SIGKILL after the \(timeout) timeout\n"
        }
        return CommandResult(
            command: argv, exitCode: exitCode, stdout: stdoutFile.contents(), stderr: stderr,
            timedOut: timedOut, terminatingSignal: signal, duration: duration)
    }

    private static func spawnChild(
        _ argv: [String],
        asUser: String?,
        environment: [String: String],
        workingDirectory: String?,
        stdoutFD: Int32,
        stderrFD: Int32,
        newSession: Bool,
        wrapper: [String]
    ) throws -> pid_t {
        guard !argv.isEmpty else { throw HarnessError("cannot run an empty command") }
        var fullArgv = argv
        var directory = workingDirectory
        if let asUser, !SystemUser.isCurrent(asUser) {
            fullArgv = [try runuserPath(), "-u", asUser, "--"] + argv
            if directory == nil { directory = "/" }
        }
        // A wrapper that must run before the user switch, such as `ip netns exec NS` (which needs root).
        fullArgv = wrapper + fullArgv

        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let environmentStrings = merged.map { "\($0.key)=\($0.value)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutFD, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrFD, 2)
        if let directory {
            guard let addChdir = SpawnExtensions.addChdir else {
                throw HarnessError(
                    "posix_spawn_file_actions_addchdir_np is unavailable; cannot run in \(directory)")
            }
            let rc = directory.withCString { addChdir(&actions, $0) }
            guard rc == 0 else {
                throw HarnessError("cannot chdir to \(directory): \(String(cString: strerror(rc)))")
            }
        }
        if let addClosefrom = SpawnExtensions.addClosefrom {
            // Do not leak this process's descriptors (sockets, other tests' files) into servers and daemons.
            _ = addClosefrom(&actions, 3)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [
            SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH,
        ] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        if newSession {
            flags |= SpawnExtensions.setsidFlag
        } else {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(truncatingIfNeeded: flags))

        var pid: pid_t = 0
        let argvPointers = CStringArray(fullArgv)
        let environmentPointers = CStringArray(environmentStrings)
        let rc = posix_spawnp(
            &pid, fullArgv[0], &actions, &attributes, argvPointers.pointers, environmentPointers.pointers)
        withExtendedLifetime((argvPointers, environmentPointers)) {}
        guard rc == 0 else {
            throw HarnessError(
                "cannot start `\(fullArgv.joined(separator: " "))`: \(String(cString: strerror(rc)))")
        }
        return pid
    }

    private static func runuserPath() throws -> String {
        for candidate in ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"]
        where access(candidate, X_OK) == 0 {
            return candidate
        }
        throw HarnessError(
            "runuser (util-linux) not found; it is needed to run commands as another user")
    }
}
