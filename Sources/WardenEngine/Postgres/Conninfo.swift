import CLibPQ
import Foundation

/// A libpq connection string, parsed by libpq itself (`PQconninfoParse`) so that pgwarden
/// accepts exactly what libpq accepts, in both `key=value` and URI form.
///
/// The parameters keep the order they were written in; `description` masks the password.
public struct Conninfo: Sendable, Equatable, CustomStringConvertible {
    /// The parameters that were given explicitly, in the order libpq reports them.
    public private(set) var parameters: [(key: String, value: String)]

    public static func == (lhs: Conninfo, rhs: Conninfo) -> Bool {
        lhs.parameters.elementsEqual(rhs.parameters) { $0.key == $1.key && $0.value == $1.value }
    }

    /// Parses `text` with libpq; the error message is libpq's own ("invalid connection option ...").
    public init(parsing text: String) throws(WardenError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &errorMessage) else {
            var reason = "could not parse connection string"
            if let errorMessage {
                reason = String(cString: errorMessage).trimmingTrailingNewlines()
                PQfreemem(errorMessage)
            }
            throw WardenError(
                "error parsing conninfo: \(reason)",
                detail: "provided: \"\(Conninfo.maskPasswords(in: text))\"",
                exitStatus: .badConfig
            )
        }
        defer { PQconninfoFree(options) }
        var parsed: [(key: String, value: String)] = []
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                parsed.append((String(cString: keyword), String(cString: value)))
            }
            cursor = cursor.advanced(by: 1)
        }
        self.parameters = parsed
    }

    /// Builds a conninfo from explicit parameters (values are quoted as libpq requires).
    public init(parameters: [(key: String, value: String)]) {
        self.parameters = parameters
    }

    public subscript(key: String) -> String? {
        get { parameters.last(where: { $0.key == key })?.value }
        set {
            parameters.removeAll { $0.key == key }
            if let newValue { parameters.append((key, newValue)) }
        }
    }

    public var host: String? { self["host"] ?? self["hostaddr"] }
    public var port: String? { self["port"] }
    public var user: String? { self["user"] }
    public var databaseName: String? { self["dbname"] }

    /// `connect_timeout` in seconds as libpq applies it: absent or 0 means wait forever, values below 2 become 2.
    public var connectTimeoutSeconds: Int? {
        guard let text = self["connect_timeout"], let value = Int(text), value > 0 else { return nil }
        return max(value, 2)
    }

    /// The string to hand to libpq (see ``write(_:)``).
    public var connectionString: String {
        Conninfo.write(parameters)
    }

    /// The connection string with `password` and `sslpassword` replaced by `********` (through
    /// ``maskPasswords(in:)``, the one masking function); safe to print or log.
    public var description: String {
        Conninfo.maskPasswords(in: connectionString)
    }

    /// Writes `parameters` as a keyword/value connection string. This is the one place pgwarden
    /// writes a conninfo (`primary_conninfo`, `pg_basebackup --dbname`, `pg_rewind --source-server`,
    /// the connections it opens itself), so that libpq reads every value back exactly as given.
    public static func write(_ parameters: [(key: String, value: String)]) -> String {
        parameters.map { "\($0.key)=\(writeValue($0.value))" }.joined(separator: " ")
    }

    /// `value` as libpq's keyword/value parser reads it back unchanged: bare when it is made only of
    /// characters that parser never treats specially, otherwise single-quoted with `\` and `'` escaped.
    ///
    /// libpq ends a bare value at any byte `isspace()` accepts (space, tab, newline, carriage return,
    /// vertical tab, form feed), skips blanks after `=` (so an empty bare value would swallow the next
    /// pair), reads `\` as an escape and a leading `'` as a quote; anything outside a short list of
    /// ASCII characters is therefore quoted, empty values included.
    static func writeValue(_ value: String) -> String {
        if !value.isEmpty, value.unicodeScalars.allSatisfy(isBare) { return value }
        return quote(value)
    }

    private static func isBare(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": true
        default: "-_./:@+,%=~*".unicodeScalars.contains(scalar)
        }
    }

    /// `text` (a conninfo) without its `password` and `sslpassword`, for places where a secret must not
    /// go at all (a notification's `%c`, a child's command line); a text libpq cannot parse comes back
    /// masked (``maskPasswords(in:)``). A conninfo without either comes back as written (repmgr's `%c`).
    public static func removingPasswords(from text: String) -> String {
        guard var conninfo = try? Conninfo(parsing: text) else { return maskPasswords(in: text) }
        if conninfo["password"] == nil && conninfo["sslpassword"] == nil { return text }
        conninfo["password"] = nil
        conninfo["sslpassword"] = nil
        return conninfo.connectionString
    }

    /// The text shown instead of a secret.
    public static let mask = "********"

    /// Masks every `password` and `sslpassword` value in `text` — a conninfo (even one libpq cannot
    /// parse), or a command line or log line that holds one — following libpq's own grammar:
    ///
    /// - keyword/value form: the keyword, any blanks libpq skips (`isspace`: space, tab, newline,
    ///   carriage return, vertical tab, form feed) before and after `=`, then either a single-quoted
    ///   value with `\` escapes or a bare value up to the next blank, with `\` escapes;
    /// - URI form: the password of `postgresql://user:secret@host` (up to the `@`, as libpq finds it)
    ///   and `password=`/`sslpassword=` query parameters (up to the next `&`, `#` or blank).
    ///
    /// Everything else is kept as it is. Where the conninfo is itself a quoted shell word (a rendered
    /// command line), the quote that closes that word is kept after the mask, and a libpq quote written
    /// as `'\''` inside a single-quoted word is recognised as one.
    public static func maskPasswords(in text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if let masked = maskedURIPassword(scalars, at: index) {
                result.append(contentsOf: masked.text.unicodeScalars)
                index = masked.end
            } else if let masked = maskedKeywordValue(scalars, at: index) {
                result.append(contentsOf: masked.text.unicodeScalars)
                index = masked.end
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return String(result)
    }

    /// The blanks libpq's parser skips and ends bare values at (C `isspace` in the "C" locale).
    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}": true
        default: false
        }
    }

    private static func matches(_ scalars: [Unicode.Scalar], _ word: String, at index: Int) -> Bool {
        var position = index
        for scalar in word.unicodeScalars {
            guard position < scalars.count, scalars[position] == scalar else { return false }
            position += 1
        }
        return true
    }

    /// At `password` (which `sslpassword` ends with): the keyword, blanks, `=`, blanks and the
    /// masked value, and where the value ends; nil when no `=` follows.
    private static func maskedKeywordValue(_ scalars: [Unicode.Scalar], at start: Int) -> (text: String, end: Int)? {
        guard matches(scalars, "password", at: start) else { return nil }
        var index = start + "password".unicodeScalars.count
        while index < scalars.count, isBlank(scalars[index]) { index += 1 }
        guard index < scalars.count, scalars[index] == "=" else { return nil }
        index += 1
        while index < scalars.count, isBlank(scalars[index]) { index += 1 }
        var text = String(String.UnicodeScalarView(scalars[start..<index]))
        let valueStart = index
        guard valueStart < scalars.count else { return (text, valueStart) }

        let keywordStart = start >= 3 && matches(scalars, "ssl", at: start - 3) ? start - 3 : start
        if keywordStart > 0, scalars[keywordStart - 1] == "?" || scalars[keywordStart - 1] == "&" {
            // A URI query parameter: percent-encoded, up to the next parameter.
            while index < scalars.count, scalars[index] != "&", scalars[index] != "#", !isBlank(scalars[index]) {
                index += 1
            }
            return (text + mask, index)
        }
        if matches(scalars, "'\\''", at: valueStart) {
            // libpq's quotes inside a single-quoted shell word: `'\''` opens and closes, `\` escapes.
            index = valueStart + 4
            while index < scalars.count {
                if scalars[index] == "\\" {
                    index += matches(scalars, "'\\''", at: index + 1) ? 5 : 2
                } else if matches(scalars, "'\\''", at: index) {
                    return (text + "'\\''" + mask + "'\\''", index + 4)
                } else {
                    index += 1
                }
            }
            return (text + mask, scalars.count)
        }
        if scalars[valueStart] == "'" {
            index = valueStart + 1
            while index < scalars.count {
                if scalars[index] == "\\" {
                    index += 2
                } else if scalars[index] == "'" {
                    return (text + mask, index + 1)
                } else {
                    index += 1
                }
            }
            return (text + mask, scalars.count)
        }
        while index < scalars.count, !isBlank(scalars[index]) {
            index += scalars[index] == "\\" ? 2 : 1
        }
        var end = min(index, scalars.count)
        // A quote that ends the value closes a shell word around the conninfo: keep it.
        while end > valueStart + 1, scalars[end - 1] == "'" || scalars[end - 1] == "\"", scalars[end - 2] != "\\" {
            end -= 1
        }
        text += mask
        return (text, end)
    }

    /// At `postgresql://` or `postgres://` with a password in the user part: the URI up to the
    /// password, the mask, and where the `@` is; nil otherwise.
    private static func maskedURIPassword(_ scalars: [Unicode.Scalar], at start: Int) -> (text: String, end: Int)? {
        let scheme =
            matches(scalars, "postgresql://", at: start)
            ? "postgresql://" : matches(scalars, "postgres://", at: start) ? "postgres://" : nil
        guard let scheme else { return nil }
        let userStart = start + scheme.unicodeScalars.count
        var index = userStart
        while index < scalars.count, scalars[index] != "@", scalars[index] != "/", scalars[index] != "\n",
            scalars[index] != "\r"
        {
            index += 1
        }
        guard index < scalars.count, scalars[index] == "@",
            let colon = scalars[userStart..<index].firstIndex(of: ":"), colon + 1 < index
        else { return nil }
        return (String(String.UnicodeScalarView(scalars[start...colon])) + mask, index)
    }

    static func quote(_ value: String) -> String {
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        return "'\(escaped)'"
    }

}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }

}
