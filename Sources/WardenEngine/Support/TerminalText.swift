/// Text bound for a terminal, made inert: values from the metadata (node names, locations, event
/// details, daemon explanations) and messages quoting them can hold ESC sequences that would
/// recolour, retitle or clear the operator's terminal, or carriage returns and bidirectional
/// overrides that make one line look like another.
///
/// Every character that is not printable is replaced by one space, the rule the dashboard's screen
/// applies when it draws a cell: C0 controls (ESC, tab, carriage return, newline, ...), DEL, C1
/// controls (including the one-byte CSI, U+009B), format characters that start a character (the
/// bidirectional overrides and isolates, soft hyphen, ...) and the line and paragraph separators.
/// A zero-width joiner inside an emoji sequence belongs to that character and is kept.
public enum TerminalText {
    /// `text` as one line: line breaks and tabs become spaces too (a table cell, a CSV field).
    public static func singleLine(_ text: String) -> String {
        sanitized(text, keepingLayout: false)
    }

    /// `text` with its layout kept — line breaks (`\r\n` becomes `\n`) and tabs, which repmgr's
    /// `node status` layout uses — and every other control replaced: for whole messages and reports.
    public static func lines(_ text: String) -> String {
        sanitized(text, keepingLayout: true)
    }

    private static func sanitized(_ text: String, keepingLayout: Bool) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value >= 0x7F }) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            if keepingLayout && (character == "\n" || character == "\r\n") {
                result.append("\n")
            } else if keepingLayout && character == "\t" {
                result.append(character)
            } else if let first = character.unicodeScalars.first, isUnprintable(first) {
                result.append(" ")
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// True for a scalar that must not reach a terminal as it is.
    static func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }
}
