/// A command template with repmgr's `%` placeholders (`event_notification_command`), turned into a
/// shell command line in which every substituted value is inert.
///
/// repmgr pastes values into the template as they are, so a node name or an event detail containing
/// `'`, `;`, `$(...)`, a backtick or a newline can run a command. pgwarden reads the template the way
/// `/bin/sh` will and quotes each value for the place it lands in:
///
/// - outside quotes: a single-quoted word (``ShellQuoting``), e.g. `%d` becomes `'a; b'`;
/// - inside double quotes (`"%d"`): `\`, `"`, `$` and `` ` `` are backslash-escaped;
/// - inside single quotes (`'%d'`): each `'` becomes `'\''`;
/// - inside bash's `$'...'`: the quote is closed, the value added as a quoted word, and `$'` reopened,
///   which is inert both for bash and for shells without `$'...'`;
/// - inside `$((...))`: the value only if it is an integer, else `0`;
/// - inside a `#` comment: nothing is substituted (a newline in a value would end the comment);
/// - after a bare `$`, inside a command substitution, a backquote or a here-document, whose quoting
///   rules pgwarden does not model: a reference to an environment variable (`"${PGWARDEN_DETAILS}"`),
///   whose expansion the shell never parses again. Values made only of characters that need no quoting
///   are pasted as they are.
///
/// Every value is also exported to the command as an environment variable (``environmentName(for:)``).
/// Unknown `%x` sequences stay as they are; `\%` (outside single quotes) keeps a placeholder literal.
/// A template that hands a value to `eval` or to bash arithmetic re-parses it; don't write one.
public struct NotificationTemplate: Sendable, Equatable {
    /// Where in the shell's grammar a placeholder stands.
    public enum Context: Sendable, Equatable {
        /// Outside any quotes.
        case unquoted
        /// Inside `'...'`.
        case singleQuoted
        /// Inside bash's `$'...'`.
        case ansiCQuoted
        /// Inside `"..."`.
        case doubleQuoted
        /// Inside `$((...))`.
        case arithmetic
        /// Inside a `#` comment.
        case comment
        /// Directly after a bare `$` (so the value would become a parameter name).
        case afterDollar
        /// Somewhere pgwarden does not model (command substitution, backquotes, here-documents).
        case opaque
    }

    /// A piece of the parsed template.
    public enum Segment: Sendable, Equatable {
        /// Template text, copied unchanged.
        case text(String)
        /// A placeholder letter and the context it stands in.
        case placeholder(Character, Context)
    }

    /// The placeholders repmgr defines: node ID, event, success (1/0), timestamp, details,
    /// and the primary's node ID, conninfo and name.
    public static let placeholders: [Character] = ["n", "e", "s", "t", "d", "p", "c", "a"]

    /// The template as written.
    public let text: String
    /// The template split into text and placeholders.
    public let segments: [Segment]

    /// Parses `text`.
    public init(_ text: String) {
        self.text = text
        self.segments = Self.parse(text)
    }

    /// The environment variable that carries a placeholder's value (`PGWARDEN_NODE_ID` for `%n`, ...).
    public static func environmentName(for placeholder: Character) -> String? {
        switch placeholder {
        case "n": "PGWARDEN_NODE_ID"
        case "e": "PGWARDEN_EVENT"
        case "s": "PGWARDEN_SUCCESS"
        case "t": "PGWARDEN_TIMESTAMP"
        case "d": "PGWARDEN_DETAILS"
        case "p": "PGWARDEN_PRIMARY_NODE_ID"
        case "c": "PGWARDEN_PRIMARY_CONNINFO"
        case "a": "PGWARDEN_PRIMARY_NAME"
        default: nil
        }
    }

    /// The environment variables for `values` (every placeholder, empty when not given).
    public static func environment(for values: [Character: String]) -> [String: String] {
        var environment: [String: String] = [:]
        for placeholder in placeholders {
            if let name = environmentName(for: placeholder) {
                environment[name] = sanitized(values[placeholder] ?? "")
            }
        }
        return environment
    }

    /// The command line with each placeholder replaced by its value (empty when `values` lacks it),
    /// quoted for its context.
    public func render(_ values: [Character: String]) -> String {
        var result = ""
        for segment in segments {
            switch segment {
            case .text(let literal):
                result += literal
            case .placeholder(let letter, let context):
                result += Self.substitute(Self.sanitized(values[letter] ?? ""), placeholder: letter, in: context)
            }
        }
        return result
    }

    // MARK: - Substitution

    /// NUL cannot be part of an argument; it is dropped.
    static func sanitized(_ value: String) -> String {
        value.contains("\u{0}") ? value.replacingOccurrences(of: "\u{0}", with: "") : value
    }

    /// `value` in single quotes, whatever it contains.
    static func singleQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// True when `value` can stand in any context as it is: letters, digits and `-_./:@%+,` only.
    static func isInert(_ value: String) -> Bool {
        !value.isEmpty && !value.contains("=") && ShellQuoting.quote(value) == value
    }

    static func substitute(_ value: String, placeholder: Character, in context: Context) -> String {
        let reference = "\"${\(environmentName(for: placeholder) ?? "PGWARDEN_UNKNOWN")}\""
        switch context {
        case .unquoted:
            // A bare word with `=` could become a variable assignment; quote it.
            return isInert(value) ? value : singleQuoted(value)
        case .singleQuoted:
            return value.replacingOccurrences(of: "'", with: "'\\''")
        case .ansiCQuoted:
            return "'" + singleQuoted(value) + "$'"
        case .doubleQuoted:
            var escaped = ""
            for character in value {
                if character == "\\" || character == "\"" || character == "$" || character == "`" {
                    escaped.append("\\")
                }
                escaped.append(character)
            }
            return escaped
        case .arithmetic:
            return Int(value.trimmingCharacters(in: .whitespaces)).map(String.init) ?? "0"
        case .comment:
            return "%\(placeholder)"
        case .afterDollar:
            // `$` + `{NAME}` is a parameter expansion of the value.
            return "{\(environmentName(for: placeholder) ?? "PGWARDEN_UNKNOWN")}"
        case .opaque:
            return isInert(value) ? value : reference
        }
    }

    // MARK: - Parsing

    private enum State: Equatable {
        case unquoted
        case singleQuoted
        case ansiCQuoted
        case doubleQuoted
        case arithmetic(depth: Int)
        case comment
        case opaque
    }

    static func parse(_ text: String) -> [Segment] {
        let scalars = Array(text.unicodeScalars)
        var segments: [Segment] = []
        var literal = String.UnicodeScalarView()
        var stack: [State] = [.unquoted]
        var atWordStart = true
        var afterDollar = false
        var index = 0

        func flush() {
            if !literal.isEmpty {
                segments.append(.text(String(literal)))
                literal = String.UnicodeScalarView()
            }
        }
        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }
        func pop() {
            if stack.count > 1 { stack.removeLast() }
        }
        func take(_ count: Int) {
            for offset in 0..<count where index + offset < scalars.count {
                literal.append(scalars[index + offset])
            }
            index += count
        }

        while index < scalars.count {
            let scalar = scalars[index]
            let state = stack.last ?? .unquoted

            if scalar == "%", let next = peek(1), Self.placeholders.contains(Character(next)) {
                flush()
                let letter = Character(next)
                let context: Context
                switch state {
                case .unquoted: context = afterDollar ? .afterDollar : .unquoted
                case .singleQuoted: context = .singleQuoted
                case .ansiCQuoted: context = .ansiCQuoted
                case .doubleQuoted: context = afterDollar ? .afterDollar : .doubleQuoted
                case .arithmetic: context = .arithmetic
                case .comment: context = .comment
                case .opaque: context = .opaque
                }
                segments.append(.placeholder(letter, context))
                index += 2
                atWordStart = false
                afterDollar = false
                continue
            }
            afterDollar = false

            switch state {
            case .opaque:
                take(1)

            case .comment:
                if scalar == "\n" {
                    pop()
                    atWordStart = true
                }
                take(1)

            case .singleQuoted:
                if scalar == "'" { pop() }
                take(1)

            case .ansiCQuoted:
                if scalar == "\\" {
                    take(2)
                } else {
                    if scalar == "'" { pop() }
                    take(1)
                }

            case .doubleQuoted:
                switch scalar {
                case "\\":
                    take(2)
                case "\"":
                    pop()
                    take(1)
                case "`":
                    stack = [.opaque]
                    take(1)
                case "$":
                    if peek(1) == "(" && peek(2) == "(" {
                        stack.append(.arithmetic(depth: 0))
                        take(3)
                    } else if let next = peek(1), next == "(" || next == "{" || next == "[" {
                        stack = [.opaque]
                        take(1)
                    } else {
                        afterDollar = true
                        take(1)
                    }
                default:
                    take(1)
                }

            case .arithmetic(let depth):
                switch scalar {
                case "(":
                    stack[stack.count - 1] = .arithmetic(depth: depth + 1)
                    take(1)
                case ")":
                    if depth > 0 {
                        stack[stack.count - 1] = .arithmetic(depth: depth - 1)
                        take(1)
                    } else if peek(1) == ")" {
                        pop()
                        take(2)
                    } else {
                        stack = [.opaque]
                        take(1)
                    }
                case "'", "\"", "`", "\\", "$":
                    // Quotes, escapes and expansions inside arithmetic: not modelled.
                    stack = [.opaque]
                    take(1)
                default:
                    take(1)
                }

            case .unquoted:
                switch scalar {
                case "\\":
                    take(2)
                    atWordStart = false
                case "'":
                    stack.append(.singleQuoted)
                    take(1)
                    atWordStart = false
                case "\"":
                    stack.append(.doubleQuoted)
                    take(1)
                    atWordStart = false
                case "`":
                    stack = [.opaque]
                    take(1)
                case "$":
                    if peek(1) == "'" {
                        stack.append(.ansiCQuoted)
                        take(2)
                    } else if peek(1) == "(" && peek(2) == "(" {
                        stack.append(.arithmetic(depth: 0))
                        take(3)
                    } else if let next = peek(1), next == "(" || next == "{" || next == "[" {
                        stack = [.opaque]
                        take(1)
                    } else {
                        afterDollar = true
                        take(1)
                    }
                    atWordStart = false
                case "<":
                    if peek(1) == "<" {
                        // A here-document body has its own expansion rules.
                        stack = [.opaque]
                    }
                    take(1)
                    atWordStart = true
                case "#":
                    if atWordStart {
                        stack.append(.comment)
                    }
                    take(1)
                case " ", "\t", "\n", ";", "&", "|", "(", ")", ">":
                    take(1)
                    atWordStart = true
                default:
                    take(1)
                    atWordStart = false
                }
            }
        }
        flush()
        return segments
    }
}
