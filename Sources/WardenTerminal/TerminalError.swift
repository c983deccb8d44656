/// Why the terminal could not be taken over (no tty, unknown TERM, ncurses failure).
public struct TerminalError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
