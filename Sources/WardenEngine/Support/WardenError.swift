/// The one error type the engine reports to its callers: a message that says what is
/// wrong, optional detail and hint lines that say why and what to do, and the repmgr
/// exit code the CLI ends with.
public struct WardenError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var detail: String?
    public var hint: String?
    public var exitStatus: ExitStatus

    public init(_ message: String, detail: String? = nil, hint: String? = nil, exitStatus: ExitStatus) {
        self.message = message
        self.detail = detail
        self.hint = hint
        self.exitStatus = exitStatus
    }

    public var description: String {
        var text = "ERROR: \(message)"
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        return text
    }
}
