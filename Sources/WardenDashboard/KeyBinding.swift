import WardenTerminal

/// Keys bound to one command, with the text the hint line and the help overlay show.
public struct KeyBinding: Sendable, Equatable {
    public var keys: [Key]
    /// How the keys are written in help, e.g. `↑/k`.
    public var label: String
    public var command: KeyCommand
    public var summary: String
    /// The entry in the always-visible hint line (`?:help`), nil when it is listed in help only.
    public var hint: String?

    public init(_ keys: [Key], _ label: String, _ command: KeyCommand, _ summary: String, hint: String? = nil) {
        self.keys = keys
        self.label = label
        self.command = command
        self.summary = summary
        self.hint = hint
    }
}
