import WardenEngine

/// Ends a command that ran to completion with a non-zero repmgr exit code (for example 25
/// when `cluster show` found problems) without printing an error.
struct CommandExit: Error {
    var status: ExitStatus
}
