import Foundation

/// A process as `/proc` shows it: its PID, its start time (clock ticks after boot, field 22 of
/// `/proc/PID/stat`) and its command line. A recorded identity still matches only the very process
/// that was recorded, never another that got the same PID later.
public struct ProcessIdentity: Sendable, Codable, Equatable {
    public let pid: Int32
    public let startTime: UInt64
    /// The arguments joined with spaces.
    public let commandLine: String

    /// The process with this PID now, nil when there is none (or `/proc` is unreadable).
    public static func of(_ pid: Int32) -> ProcessIdentity? {
        guard pid > 0,
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")"),
            let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
        else { return nil }
        // After ") " come the fields from 3 (state) on; the start time is field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let startTime = UInt64(fields[19]) else { return nil }
        let arguments = raw.split(separator: 0, omittingEmptySubsequences: true).map {
            String(decoding: $0, as: UTF8.self)
        }
        return ProcessIdentity(pid: pid, startTime: startTime, commandLine: arguments.joined(separator: " "))
    }

    /// True while the recorded process still runs (or is a zombie not yet reaped).
    public var isStillThere: Bool { ProcessIdentity.of(pid) == self }

    /// The process state letter (`R`, `S`, `T` stopped, `Z` zombie), nil when it is gone.
    public static func state(of pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first?.first
    }
}
