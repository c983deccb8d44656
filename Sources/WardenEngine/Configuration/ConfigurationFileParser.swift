/// Splits the text of a `repmgr.conf` into `key = value` entries, the way repmgr (and PostgreSQL's
/// own configuration scanner, which repmgr's is copied from) reads it.
///
/// Accepted, line by line:
/// - blank lines and comment lines starting with `#`;
/// - `key=value` and `key = value`, with blanks around the `=`;
/// - single-quoted values `key='value'`, where `''` and `\'` stand for a quote, `\\` for a backslash and
///   `\b \f \n \r \t` and octal `\ooo` for control characters, as in PostgreSQL;
/// - double-quoted values `key="value"` (a pgwarden extension), with `""` and `\"` for a quote;
/// - a `#` comment after a value: after the closing quote of a quoted value, or anywhere in an unquoted
///   value (an unquoted value cannot contain `#`; quote it);
/// - trailing blanks and Windows line ends, which are ignored.
///
/// The parser knows nothing of particular keys: it reports every line it cannot read as a ``SyntaxError``
/// and carries on, so that a file with several mistakes is reported in one go. ``ConfigurationLoader``
/// checks the keys and values.
public enum ConfigurationFileParser {
    /// One `key = value` line.
    public struct Entry: Sendable, Equatable {
        /// The parameter name, as written.
        public let key: String
        /// The value with quotes removed and escapes resolved.
        public let value: String
        /// The 1-based line number.
        public let line: Int

        /// Describes one entry.
        public init(key: String, value: String, line: Int) {
            self.key = key
            self.value = value
            self.line = line
        }
    }

    /// A line that is not a valid `key = value` line.
    public struct SyntaxError: Sendable, Equatable {
        /// The 1-based line number.
        public let line: Int
        /// The parameter name on the line, when one could be read.
        public let key: String?
        /// What is wrong, e.g. `unterminated quoted value for "conninfo"`.
        public let reason: String

        /// Describes one syntax error.
        public init(line: Int, key: String?, reason: String) {
            self.line = line
            self.key = key
            self.reason = reason
        }
    }

    /// Parses the whole text; returns the entries in file order and every syntax error found.
    public static func parse(_ text: String) -> (entries: [Entry], errors: [SyntaxError]) {
        var entries: [Entry] = []
        var errors: [SyntaxError] = []
        var lineNumber = 0
        for rawLine in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Array(rawLine)
            if line.last == "\r" { line.removeLast() }
            switch parseLine(line, number: lineNumber) {
            case .empty: break
            case .entry(let entry): entries.append(entry)
            case .error(let error): errors.append(error)
            }
        }
        return (entries, errors)
    }

    /// Interprets a boolean the way repmgr does: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`,
    /// in any letter case. Returns nil for anything else.
    public static func parseBoolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: return nil
        }
    }

    /// The longest piece of a file's text an error message quotes.
    public static let excerptLength = 80

    /// `text` as an error message quotes it: control characters written as escapes (`\n`, `\t`, `\r`,
    /// `\u{1B}`), and at most `limit` characters, then `...`, so that a binary or huge file cannot
    /// flood the terminal or send it escape sequences.
    public static func excerpt(_ text: String, limit: Int = excerptLength) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            let shown: String
            switch scalar {
            case "\n": shown = "\\n"
            case "\t": shown = "\\t"
            case "\r": shown = "\\r"
            default:
                let control =
                    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                    || scalar.properties.generalCategory == .format
                shown = control ? "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" : String(scalar)
            }
            if count >= limit {
                return result + "..."
            }
            result += shown
            count += 1
        }
        return result
    }

    // MARK: - One line

    private enum LineResult {
        case empty
        case entry(Entry)
        case error(SyntaxError)
    }

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\u{0B}" || scalar == "\u{0C}"
    }

    private static func parseLine(_ line: [Unicode.Scalar], number: Int) -> LineResult {
        var index = 0
        while index < line.count, isBlank(line[index]) { index += 1 }
        guard index < line.count, line[index] != "#" else { return .empty }

        // The key runs up to a blank, "=" or "#".
        let keyStart = index
        while index < line.count, !isBlank(line[index]), line[index] != "=", line[index] != "#" {
            index += 1
        }
        let key = string(line[keyStart..<index])
        if key.isEmpty {
            return .error(SyntaxError(line: number, key: nil, reason: "missing parameter name before \"=\""))
        }
        guard isValidKey(key) else {
            return .error(SyntaxError(line: number, key: key, reason: "invalid parameter name \"\(excerpt(key))\""))
        }

        while index < line.count, isBlank(line[index]) { index += 1 }
        guard index < line.count, line[index] == "=" else {
            return .error(
                SyntaxError(line: number, key: key, reason: "missing \"=\" after parameter name \"\(excerpt(key))\"")
            )
        }
        index += 1
        while index < line.count, isBlank(line[index]) { index += 1 }

        guard index < line.count, line[index] == "'" || line[index] == "\"" else {
            // Unquoted: everything up to a comment, without trailing blanks.
            var end = index
            while end < line.count, line[end] != "#" { end += 1 }
            var trimmedEnd = end
            while trimmedEnd > index, isBlank(line[trimmedEnd - 1]) { trimmedEnd -= 1 }
            return .entry(Entry(key: key, value: string(line[index..<trimmedEnd]), line: number))
        }

        switch readQuoted(line, from: index) {
        case .none:
            return .error(
                SyntaxError(line: number, key: key, reason: "unterminated quoted value for \"\(excerpt(key))\"")
            )
        case .some(let (value, next)):
            var rest = next
            while rest < line.count, isBlank(line[rest]) { rest += 1 }
            if rest < line.count, line[rest] != "#" {
                var end = line.count
                while end > rest, isBlank(line[end - 1]) { end -= 1 }
                let extra = string(line[rest..<end])
                return .error(
                    SyntaxError(
                        line: number,
                        key: key,
                        reason: "unexpected text \"\(excerpt(extra))\" after the quoted value of \"\(excerpt(key))\""
                    )
                )
            }
            return .entry(Entry(key: key, value: value, line: number))
        }
    }

    /// A name as PostgreSQL's scanner accepts it: a letter or `_`, then letters, digits, `_`
    /// (and one `.` for a qualified name such as `extension.setting`).
    private static func isValidKey(_ key: String) -> Bool {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        return parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, isIdentifierStart(first) else { return false }
            return part.unicodeScalars.allSatisfy { isIdentifierStart($0) || ("0"..."9").contains($0) }
        }
    }

    private static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || scalar.value >= 0x80
    }

    /// Reads a quoted value starting at the opening quote; returns the value and the index after the
    /// closing quote, or nil when the line ends first.
    private static func readQuoted(_ line: [Unicode.Scalar], from start: Int) -> (String, Int)? {
        let quote = line[start]
        var value = String.UnicodeScalarView()
        var index = start + 1
        while index < line.count {
            let scalar = line[index]
            if scalar == "\\" {
                index += 1
                guard index < line.count else { return nil }
                let escaped = line[index]
                switch escaped {
                case "b": value.append("\u{08}")
                case "f": value.append("\u{0C}")
                case "n": value.append("\n")
                case "r": value.append("\r")
                case "t": value.append("\t")
                case "0"..."7":
                    var octal: UInt32 = 0
                    var digits = 0
                    while digits < 3, index < line.count, ("0"..."7").contains(line[index]) {
                        octal = octal * 8 + (line[index].value - 48)
                        digits += 1
                        index += 1
                    }
                    index -= 1
                    if let decoded = Unicode.Scalar(octal) { value.append(decoded) }
                default: value.append(escaped)
                }
                index += 1
            } else if scalar == quote {
                if index + 1 < line.count, line[index + 1] == quote {
                    value.append(quote)
                    index += 2
                } else {
                    return (String(value), index + 1)
                }
            } else {
                value.append(scalar)
                index += 1
            }
        }
        return nil
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
