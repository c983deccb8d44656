import WardenTerminal

/// A named set of styles, one per ``ThemeRole``, read from a theme file by ``ThemeLoader``.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var description: String
    /// The file it was read from ("built-in" for ``fallback``).
    public var source: String
    private var styles: [ThemeRole: Style]
    /// Attributes each role gets instead of colours on a monochrome terminal.
    private var monochromeAttributes: [ThemeRole: TextAttributes]

    public init(
        name: String, description: String, source: String, styles: [ThemeRole: Style],
        monochromeAttributes: [ThemeRole: TextAttributes] = [:]
    ) {
        self.name = name
        self.description = description
        self.source = source
        self.styles = styles
        self.monochromeAttributes = monochromeAttributes
    }

    /// The style of `role`; a role the file left out looks like `text`.
    public subscript(role: ThemeRole) -> Style {
        styles[role] ?? styles[.text] ?? .plain
    }

    /// This theme for a terminal of `depth`: on a monochrome one, colours go and each role's
    /// `mono` attributes are added, so that selection and states stay visible.
    public func adapted(to depth: ColorDepth) -> Theme {
        guard depth == .monochrome else { return self }
        var copy = self
        for role in ThemeRole.allCases {
            let base = self[role]
            copy.styles[role] = Style(attributes: base.attributes.union(monochromeAttributes[role] ?? []))
        }
        return copy
    }

    /// Used when no theme file can be read at all: attributes only, no colour table.
    public static let fallback = Theme(
        name: "built-in", description: "No theme file could be read; attributes only.", source: "built-in",
        styles: [
            .muted: Style(attributes: .dim), .title: Style(attributes: .bold), .header: Style(attributes: .bold),
            .selection: Style(attributes: .reverse), .primary: Style(attributes: .bold),
            .warning: Style(attributes: .bold), .critical: Style(attributes: [.bold, .reverse]),
            .unknown: Style(attributes: .underline), .fenced: Style(attributes: .reverse),
            .paused: Style(attributes: .reverse), .statusBar: Style(attributes: .reverse),
            .badgeReadOnly: Style(attributes: .bold), .badgeReadWrite: Style(attributes: .bold),
            .key: Style(attributes: .bold), .keyHint: Style(attributes: .dim),
            .buttonFocused: Style(attributes: .reverse), .input: Style(attributes: .underline),
            .borderFocused: Style(attributes: .bold),
        ])
}
