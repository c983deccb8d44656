/// Why a theme file could not be used: names the file and, where it can, the role and value.
public struct ThemeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
