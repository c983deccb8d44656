/// A line an operation wants its user to see (progress, notices, warnings). The engine
/// never prints; it hands these to a `MessageSink` that the CLI prints and the dashboard shows.
public struct OperationMessage: Sendable, Equatable {
    public var level: LogLevel
    public var text: String
    /// Extra lines shown as `DETAIL:` under the message.
    public var detail: String?
    /// A suggestion shown as `HINT:`.
    public var hint: String?

    public init(_ level: LogLevel, _ text: String, detail: String? = nil, hint: String? = nil) {
        self.level = level
        self.text = text
        self.detail = detail
        self.hint = hint
    }
}

/// Receives an operation's messages as they happen.
public typealias MessageSink = @Sendable (OperationMessage) -> Void
