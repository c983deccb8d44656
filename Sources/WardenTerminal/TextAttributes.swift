/// Character attributes that do not depend on colour, so they survive on a monochrome terminal.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let bold = TextAttributes(rawValue: 1 << 0)
    public static let dim = TextAttributes(rawValue: 1 << 1)
    public static let reverse = TextAttributes(rawValue: 1 << 2)
    public static let underline = TextAttributes(rawValue: 1 << 3)

    /// Parses `bold`, `dim`, `reverse`, `underline`; nil for anything else.
    public init?(name: String) {
        switch name.lowercased() {
        case "bold": self = .bold
        case "dim": self = .dim
        case "reverse": self = .reverse
        case "underline": self = .underline
        default: return nil
        }
    }
}
