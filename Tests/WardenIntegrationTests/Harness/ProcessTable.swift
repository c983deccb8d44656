import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Questions about processes, answered from `/proc` (Linux).
///
/// A process that has exited but not yet been reaped (a zombie, state `Z`) counts as dead: servers started
/// through `pg_ctl` are orphans reaped late by PID 1, and `kill(pid, 0)` would still succeed for them.
enum ProcessTable {
    /// True while `/proc/PID` exists, zombies included (a zombie postmaster still blocks a restart:
    /// PostgreSQL's lock-file check sees its PID as alive until it is reaped).
    static func exists(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        return FileManager.default.fileExists(atPath: "/proc/\(pid)")
    }

    /// True when `pid` exists and is not a zombie.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        if let state = state(of: pid) { return state != "Z" && state != "X" }
        // No /proc entry readable: fall back to kill(0) (EPERM still means "exists").
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// The one-letter state from `/proc/PID/stat` (`R`, `S`, `T` when stopped, `Z`...), or nil.
    static func state(of pid: pid_t) -> Character? {
        statFields(of: pid)?.first?.first
    }

    /// The parent PID from `/proc/PID/stat`, or nil.
    static func parent(of pid: pid_t) -> pid_t? {
        guard let fields = statFields(of: pid), fields.count > 1 else { return nil }
        return pid_t(fields[1])
    }

    /// Live (non-zombie) processes whose parent is `pid`.
    static func children(of pid: pid_t) -> [pid_t] {
        allPIDs().filter { parent(of: $0) == pid && isAlive($0) }
    }

    /// The argv of `pid` (empty for kernel threads or when unreadable).
    static func commandLine(of pid: pid_t) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
            .filter { !$0.isEmpty }
    }

    /// The current working directory of `pid` (a PostgreSQL postmaster's is its data directory).
    static func workingDirectory(of pid: pid_t) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
    }

    /// Every PID listed in `/proc`.
    static func allPIDs() -> [pid_t] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
            return []
        }
        return names.compactMap { pid_t($0) }
    }

    /// Fields of `/proc/PID/stat` after the `(comm)` field: [state, ppid, pgrp, ...].
    private static func statFields(of pid: pid_t) -> [Substring]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }
}
