/// Message severities, with repmgr's names (`log_level` in repmgr.conf, `-L` on the command line).
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, Codable {
    case debug, info, notice, warning, error

    public init?(name: String) {
        switch name.uppercased() {
        case "DEBUG": self = .debug
        case "INFO": self = .info
        case "NOTICE": self = .notice
        case "WARNING": self = .warning
        case "ERROR", "ALERT", "CRIT", "EMERG": self = .error
        default: return nil
        }
    }

    /// The prefix repmgr prints before a message of this level.
    public var label: String {
        switch self {
        case .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NOTICE"
        case .warning: "WARNING"
        case .error: "ERROR"
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
