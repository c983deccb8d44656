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

    /// The connection string with any password replaced by `********`; safe to print or log.
    public var description: String {
        Conninfo.write(parameters.map { ($0.key, $0.key == "password" ? "********" : $0.value) })
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

    /// Masks `password=...` in any text that may hold a conninfo, even one libpq cannot parse.
    public static func maskPasswords(in text: String) -> String {
        var result = ""
        var remainder = Substring(text)
        while let range = remainder.range(of: "password") {
            result += remainder[..<range.upperBound]
            var rest = remainder[range.upperBound...]
            let spaces = rest.prefix { $0 == " " }
            rest = rest.dropFirst(spaces.count)
            guard rest.first == "=" else {
                remainder = remainder[range.upperBound...]
                continue
            }
            result += spaces + "="
            rest = rest.dropFirst()
            let leading = rest.prefix { $0 == " " }
            rest = rest.dropFirst(leading.count)
            result += leading + "********"
            if rest.first == "'" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "'" {
                        break
                    }
                }
            } else {
                rest = rest.drop { $0 != " " && $0 != "&" }
            }
            remainder = rest
        }
        result += remainder
        // URI form: postgresql://user:secret@host
        if let schemeRange = result.range(of: "://"),
            let atIndex = result[schemeRange.upperBound...].firstIndex(of: "@"),
            let colonIndex = result[schemeRange.upperBound..<atIndex].firstIndex(of: ":")
        {
            result.replaceSubrange(result.index(after: colonIndex)..<atIndex, with: "********")
        }
        return result
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
