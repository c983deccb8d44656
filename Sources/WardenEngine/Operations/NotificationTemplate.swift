/// A command template with repmgr's `%` placeholders (`event_notification_command`, `fence_command`),
/// turned into a `/bin/sh` command line in which every substituted value is inert.
///
/// repmgr pastes values into the template as they are, so a node name or an event detail containing
/// `'`, `;`, `$(...)`, a backtick or a newline can run a command. pgwarden reads the template the way a
/// POSIX `/bin/sh` (dash) will, with no `$'...'`, and quotes each value for the place it lands in:
///
/// - outside quotes: a single-quoted word (``ShellQuoting``), e.g. `%d` becomes `'a; b'`;
/// - inside double quotes (`"%d"`): `\`, `"`, `$` and `` ` `` are backslash-escaped;
/// - inside single quotes (`'%d'`): each `'` becomes `'\''`;
/// - inside `$((...))`: the value only if it is an integer, else `0`;
/// - inside a `#` comment: nothing is substituted (a newline in a value would end the comment);
/// - after a bare `$`, inside a command substitution, a backquote or a here-document, whose quoting
///   rules pgwarden does not model: a reference to an environment variable (`"${PGWARDEN_DETAILS}"`),
///   whose expansion the shell never parses again.
///
/// Where `/bin/sh` is bash (which reads `$'...'` as an ANSI-C string even in POSIX mode), a template
/// with an unquoted `$'` can mean something else: the template is also read as bash reads it, and a
/// placeholder the two readings place differently is ``Context/ambiguous(arithmetic:afterBackslash:)``:
/// it gets the environment variable reference (an integer or `0` where either reading is arithmetic,
/// nothing right after a backslash), which is inert in both. Values made only of characters that need
/// no quoting are pasted as they are wherever they stand.
///
/// The command's environment gets the variables of the placeholders the template uses and of the
/// `PGWARDEN_...` names its text mentions (``environment(for:)``), no others. `%c` (a conninfo) never
/// carries a password: it is removed before substitution. Unknown `%x` sequences stay as they are; `\%`
/// (outside single quotes) keeps a placeholder literal. A template that hands a value to `eval` or to
/// bash arithmetic re-parses it; don't write one.
public struct NotificationTemplate: Sendable, Equatable {
    /// Where in the shell's grammar a placeholder stands.
    public enum Context: Sendable, Equatable {
        /// Outside any quotes.
        case unquoted
        /// Inside `'...'`.
        case singleQuoted
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
        /// Where POSIX sh and bash read the template differently (after an unquoted `$'`); `arithmetic`
        /// when either reading is inside `$((...))`, `afterBackslash` when the template has a `\` right
        /// before the placeholder.
        case ambiguous(arithmetic: Bool, afterBackslash: Bool)
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

    /// Parses `text` as POSIX sh reads it, and as bash does to find the placeholders whose place differs.
    public init(_ text: String) {
        self.text = text
        let posix = Self.parse(text, dialect: .posix)
        var bash: [Int: Context] = [:]
        for located in Self.parse(text, dialect: .bash) {
            if case .placeholder(_, let context) = located.segment { bash[located.offset] = context }
        }
        let scalars = Array(text.unicodeScalars)
        self.segments = posix.map { located in
            guard case .placeholder(let letter, let context) = located.segment, bash[located.offset] != context
            else { return located.segment }
            return .placeholder(
                letter,
                .ambiguous(
                    arithmetic: context == .arithmetic || bash[located.offset] == .arithmetic,
                    afterBackslash: located.offset > 0 && scalars[located.offset - 1] == "\\"))
        }
    }

    /// The placeholders the template uses.
    public var usedPlaceholders: Set<Character> {
        Set(
            segments.compactMap { segment in
                if case .placeholder(let letter, _) = segment { letter } else { nil }
            })
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

    /// The environment variables the command gets for `values`: one for each placeholder the template
    /// uses or whose variable name its text mentions (`$PGWARDEN_DETAILS`), empty when not given.
    public func environment(for values: [Character: String]) -> [String: String] {
        var environment: [String: String] = [:]
        let used = usedPlaceholders
        for placeholder in Self.placeholders {
            guard let name = Self.environmentName(for: placeholder), used.contains(placeholder) || text.contains(name)
            else { continue }
            environment[name] = Self.value(of: placeholder, in: values)
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
                result += Self.substitute(Self.value(of: letter, in: values), placeholder: letter, in: context)
            }
        }
        return result
    }

    /// The value a placeholder stands for: NUL removed, and for `%c` (a conninfo) without its
    /// `password` and `sslpassword` (``Conninfo/removingPasswords(from:)``).
    static func value(of placeholder: Character, in values: [Character: String]) -> String {
        let value = sanitized(values[placeholder] ?? "")
        return placeholder == "c" ? Conninfo.removingPasswords(from: value) : value
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
        case .ambiguous(let arithmetic, let afterBackslash):
            if arithmetic { return Int(value).map(String.init) ?? "0" }
            if isInert(value) { return value }
            // After a backslash, bash may escape the reference's opening quote; substitute nothing.
            return afterBackslash ? "" : reference
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

    /// Which shell's grammar ``parse(_:dialect:)`` follows: POSIX sh, or bash with `$'...'`.
    enum Dialect {
        case posix
        case bash
    }

    /// A segment and the offset (in Unicode scalars) where it starts in the template.
    struct LocatedSegment {
        let segment: Segment
        let offset: Int
    }

    static func parse(_ text: String, dialect: Dialect) -> [LocatedSegment] {
        let scalars = Array(text.unicodeScalars)
        var segments: [LocatedSegment] = []
        var literalStart = 0
        var literal = String.UnicodeScalarView()
        var stack: [State] = [.unquoted]
        var atWordStart = true
        var afterDollar = false
        var index = 0

        func flush() {
            if !literal.isEmpty {
                segments.append(LocatedSegment(segment: .text(String(literal)), offset: literalStart))
                literal = String.UnicodeScalarView()
            }
            literalStart = index
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
                // Only bash has `$'...'`, so no POSIX reading agrees with this one.
                case .ansiCQuoted: context = .ambiguous(arithmetic: false, afterBackslash: false)
                case .doubleQuoted: context = afterDollar ? .afterDollar : .doubleQuoted
                case .arithmetic: context = .arithmetic
                case .comment: context = .comment
                case .opaque: context = .opaque
                }
                segments.append(LocatedSegment(segment: .placeholder(letter, context), offset: index))
                index += 2
                literalStart = index
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
                    if dialect == .bash && peek(1) == "'" {
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
