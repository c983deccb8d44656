/// How many colours a terminal can show, from richest to none. Styles are written in the
/// richest form (24-bit) and downgraded to the depth the terminal has.
public enum ColorDepth: Int, Sendable, Comparable, CaseIterable {
    /// No colour: attributes (bold, reverse, …) only. Also what `NO_COLOR` asks for.
    case monochrome
    /// The 16 ANSI colours.
    case ansi16
    /// The xterm 256-colour palette.
    case palette256
    /// 24-bit RGB (terminfo entries with direct colour, such as `xterm-direct`).
    case truecolor

    /// The depth to use for a terminal that reports `colors` colours, honouring `NO_COLOR`
    /// (any non-empty value) and an explicit `PGWARDEN_COLORS` override (`mono`, `16`, `256`, `truecolor`).
    public static func detect(colors: Int, environment: [String: String]) -> ColorDepth {
        if let value = environment["NO_COLOR"], !value.isEmpty { return .monochrome }
        let supported = fromColorCount(colors)
        if let override = environment["PGWARDEN_COLORS"].flatMap(ColorDepth.init(name:)) {
            return min(override, supported)
        }
        return supported
    }

    /// The depth a terminfo `colors` capability allows.
    public static func fromColorCount(_ colors: Int) -> ColorDepth {
        switch colors {
        case (1 << 24)...: .truecolor
        case 256...: .palette256
        case 8...: .ansi16
        default: .monochrome
        }
    }

    /// Parses `mono`/`monochrome`, `16`, `256` or `truecolor`/`24bit`.
    public init?(name: String) {
        switch name.lowercased() {
        case "mono", "monochrome", "none", "0": self = .monochrome
        case "16", "8", "ansi": self = .ansi16
        case "256": self = .palette256
        case "truecolor", "24bit", "direct": self = .truecolor
        default: return nil
        }
    }

    public static func < (lhs: ColorDepth, rhs: ColorDepth) -> Bool { lhs.rawValue < rhs.rawValue }
}
