/// The outcome of a command run by ``ProcessRunner``.
///
/// `exitCode` follows the shell convention: the exit status for a normal exit, `128 + signal` when the
/// child was killed by a signal (so a command killed after its timeout reports 137 and `timedOut == true`).
struct CommandResult: Sendable, CustomStringConvertible {
    /// The argv that was run (without the `runuser` prefix).
    let command: [String]
    let exitCode: Int32
    let stdout: String
    let stderr: String
    /// True when the harness killed the command (SIGKILL to its process group) because its timeout passed.
    let timedOut: Bool
    /// The signal that ended the command, if it did not exit normally.
    let terminatingSignal: Int32?
    /// Wall-clock time from spawn to reaping.
    let duration: Duration

    /// stdout followed by stderr.
    var output: String { stdout + stderr }

    /// True when the command exited with status 0 before its timeout.
    var succeeded: Bool { exitCode == 0 && !timedOut }

    var description: String {
        var text = "`\(command.joined(separator: " "))` "
        if timedOut {
            text += "was killed after its timeout (\(duration))"
        } else if let signal = terminatingSignal {
            text += "was killed by signal \(signal) after \(duration)"
        } else {
            text += "exited with status \(exitCode) after \(duration)"
        }
        if !stdout.isEmpty { text += "\n--- stdout ---\n\(stdout)" }
        if !stderr.isEmpty { text += "\n--- stderr ---\n\(stderr)" }
        return text
    }

    /// Returns `self` when the command succeeded, otherwise throws a ``HarnessError`` describing it.
    @discardableResult
    func check() throws -> CommandResult {
        guard succeeded else { throw HarnessError(description) }
        return self
    }
}
