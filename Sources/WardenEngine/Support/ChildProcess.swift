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
            return Outcome(exitCode: 127, output: "could not start \(executable): \(error.localizedDescription)", timedOut: false)
        }
        let killer = timeout.map { limit in
            let item = DispatchWorkItem { if process.isRunning { process.terminate(); kill(process.processIdentifier, SIGKILL) } }
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
        let timedOut = killer.map { $0.isCancelled == false && process.terminationReason == .uncaughtSignal } ?? false
        killer?.cancel()
        return Outcome(
            exitCode: process.terminationStatus, output: String(decoding: collected, as: UTF8.self), timedOut: timedOut)
    }

    /// Runs a command whose children may outlive it (`pg_ctl start` leaves the postmaster
    /// running): its output is appended to `logFile` instead of a pipe, because a daemon that
    /// inherits a pipe keeps it open and a reader would wait for end-of-file forever.
    public static func runLogged(_ arguments: [String], logFile: String, timeout: Duration? = nil) async -> Outcome {
        await DedicatedThread.run {
            guard let executable = arguments.first else { return Outcome(exitCode: 127, output: "", timedOut: false) }
            if !FileManager.default.fileExists(atPath: logFile) {
                FileManager.default.createFile(atPath: logFile, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            guard let log = FileHandle(forWritingAtPath: logFile) else {
                return Outcome(exitCode: 127, output: "cannot open \(logFile) for writing", timedOut: false)
            }
            defer { try? log.close() }
            log.seekToEndOfFile()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: resolve(executable))
            process.arguments = Array(arguments.dropFirst())
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                return Outcome(exitCode: 127, output: "could not start \(executable): \(error.localizedDescription)", timedOut: false)
            }
            process.waitUntilExit()
            return Outcome(exitCode: process.terminationStatus, output: "", timedOut: false)
        }
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
