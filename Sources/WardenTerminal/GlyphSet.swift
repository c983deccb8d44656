/// The drawing characters a screen uses: box lines, sparkline levels, tree branches and
/// a few symbols, in Unicode or in plain ASCII for terminals without UTF-8.
public struct GlyphSet: Sendable, Equatable {
    public var horizontal: Character
    public var vertical: Character
    public var topLeft: Character
    public var topRight: Character
    public var bottomLeft: Character
    public var bottomRight: Character
    /// Sparkline levels from lowest to highest (the first is used for zero).
    public var levels: [Character]
    /// Tree prefixes: a middle child, the last child, and a continuing parent line.
    public var treeBranch: String
    public var treeLast: String
    public var treePipe: String
    public var ellipsis: Character
    public var success: Character
    public var failure: Character
    public var separator: Character

    /// Box drawing and block elements.
    public static let unicode = GlyphSet(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        levels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], treeBranch: "├─ ", treeLast: "└─ ", treePipe: "│  ",
        ellipsis: "…", success: "✓", failure: "✗", separator: "│")

    /// Seven-bit ASCII only.
    public static let ascii = GlyphSet(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        levels: ["_", ".", ":", "-", "=", "+", "*", "#"], treeBranch: "|- ", treeLast: "`- ", treePipe: "|  ",
        ellipsis: "~", success: "+", failure: "x", separator: "|")

    /// ASCII stand-ins for the few other non-ASCII characters in the dashboard's own texts.
    public static let asciiReplacements: [Character: Character] = [
        "·": "-", "…": "~", "↑": "^", "↓": "v", "←": "<", "→": ">", "⇧": "^", "×": "x", "✓": "+", "✗": "x",
        "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "|", "█": "#",
    ]

    /// Unicode when the locale (`LC_ALL`, `LC_CTYPE`, `LANG`, first one set) says UTF-8,
    /// unless `PGWARDEN_ASCII` is set.
    public static func detect(environment: [String: String]) -> GlyphSet {
        if let forced = environment["PGWARDEN_ASCII"], !forced.isEmpty, forced != "0" { return .ascii }
        for name in ["LC_ALL", "LC_CTYPE", "LANG"] {
            if let value = environment[name], !value.isEmpty {
                let lowered = value.lowercased()
                return lowered.contains("utf-8") || lowered.contains("utf8") ? .unicode : .ascii
            }
        }
        return .ascii
    }
}
