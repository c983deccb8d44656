import Foundation

/// Runs an external program (pg_basebackup, pg_ctl, a notification command) without a
/// shell: arguments go to it as they are, so nothing in them can be interpreted as shell syntax.
/// The wait happens on a dedicated thread.
public enum ChildProcess {
    /// The outcome of one run.
    public struct Outcome: Sendable {
        public var exitCode: Int32
        public var output: String
        public var timedOut: Bool
    }

    /// Runs `arguments[0]` with the rest as its arguments. Output lines (standard output and
    /// error merged) are passed to `onLine` as they arrive; the process is killed after `timeout`.
    public static func run(
        _ arguments: [String], environment: [String: String]? = nil, timeout: Duration? = nil,
        onLine: (@Sendable (String) -> Void)? = nil
    ) async -> Outcome {
        await DedicatedThread.run {
            runBlocking(arguments, environment: environment, timeout: timeout, onLine: onLine)
        }
    }

    static func runBlocking(
        _ arguments: [String], environment: [String: String]?, timeout: Duration?,
        onLine: (@Sendable (String) -> Void)?
    ) -> Outcome {
        guard let executable = arguments.first else { return Outcome(exitCode: 127, output: "", timedOut: false) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: resolve(executable))
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return Outcome(
                exitCode: 127, output: "could not start \(executable): \(error.localizedDescription)", timedOut: false)
        }
        let expired = TimeoutFlag()
        let killer = timeout.map { limit in
            let item = DispatchWorkItem {
                if process.isRunning {
                    expired.set()
                    kill(process.processIdentifier, SIGKILL)
                }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + Double(limit.milliseconds) / 1000, execute: item)
            return item
        }
        var collected = Data()
        var pending = Data()
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            collected.append(chunk)
            pending.append(chunk)
            while let newline = pending.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                if !line.isEmpty { onLine?(line) }
            }
        }
        if !pending.isEmpty { onLine?(String(decoding: pending, as: UTF8.self)) }
        process.waitUntilExit()
        killer?.cancel()
        let timedOut = expired.isSet
        return Outcome(
            exitCode: process.terminationStatus, output: String(decoding: collected, as: UTF8.self), timedOut: timedOut)
    }

    /// Runs a command whose children may outlive it (`pg_ctl start` leaves the postmaster
    /// running): its output is appended to `logFile` instead of a pipe, because a daemon that
    /// inherits a pipe keeps it open and a reader would wait for end-of-file forever. Spawned
    /// with ``spawnLogged(_:logFile:environment:ownProcessGroup:)`` (`environment` nil: this
    /// process's) and reaped with `waitpid`.
    public static func runLogged(
        _ arguments: [String], logFile: String, environment: [String: String]? = nil
    ) async -> Outcome {
        await DedicatedThread.run {
            let spawned = Result { () throws(WardenError) -> pid_t in
                try spawnLogged(arguments, logFile: logFile, environment: environment)
            }
            let pid: pid_t
            switch spawned {
            case .success(let child): pid = child
            case .failure(let error): return Outcome(exitCode: 127, output: error.message, timedOut: false)
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let exited = (status & 0x7F) == 0
            return Outcome(exitCode: exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F), output: "", timedOut: false)
        }
    }

    /// Starts `arguments` and returns at once with its PID (the caller reaps it): standard input from
    /// /dev/null, output appended to `logFile`, an empty signal mask and default signal actions (Swift's
    /// threads block some signals and a daemon may ignore SIGINT/SIGTERM; neither must be inherited),
    /// `environment` (nil: this process's), and with `ownProcessGroup` a process group of its own, so
    /// that a terminal's Ctrl-C does not reach it.
    public static func spawnLogged(
        _ arguments: [String], logFile: String, environment: [String: String]? = nil, ownProcessGroup: Bool = false
    ) throws(WardenError) -> pid_t {
        guard let executable = arguments.first else { throw WardenError("nothing to start", exitStatus: .badConfig) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o600)
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
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = environment ?? ProcessInfo.processInfo.environment
        let envp: [UnsafeMutablePointer<CChar>?] =
            variables.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, resolve(executable), &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw WardenError(
                "could not start \(executable): \(String(cString: strerror(spawned)))", exitStatus: .badConfig)
        }
        return pid
    }

    /// Finds a bare program name on PATH; paths are returned unchanged.
    static func resolve(_ name: String) -> String {
        if name.contains("/") { return name }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return name
    }
}

/// Set once by the timeout timer when it had to kill the child.
private final class TimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
