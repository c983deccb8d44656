import Foundation

/// The name of a database in a pgbouncer `[databases]` section, checked before it is ever
/// put into an admin console command.
///
/// pgbouncer accepts `[0-9A-Za-z_]` unquoted and anything else in SQL-style double quotes
/// (`""` for a quote). pgwarden always sends the quoted form (``quoted``) and accepts only
/// names pgbouncer can hold: 1 to 63 bytes, no control characters, no `=` (the key/value
/// separator of the configuration file) and no surrounding blanks.
public struct PoolerDatabaseName: Sendable, Hashable, CustomStringConvertible {
    /// The name as pgbouncer lists it in `SHOW DATABASES`.
    public let name: String

    /// pgbouncer's `MAX_DBNAME` is 64 bytes including the terminating NUL.
    static let maximumBytes = 63

    public init(_ name: String) throws(WardenError) {
        func invalid(_ reason: String) -> WardenError {
            WardenError(
                "invalid pgbouncer database name \"\(name)\": \(reason)",
                hint: "pgbouncer_databases lists the names of the [databases] entries, separated by commas",
                exitStatus: .badConfig)
        }
        guard !name.isEmpty else { throw invalid("the name is empty") }
        guard name.utf8.count <= Self.maximumBytes else {
            throw invalid("longer than \(Self.maximumBytes) bytes")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw invalid("it contains a control character")
        }
        guard !name.contains("=") else { throw invalid("it contains \"=\"") }
        guard name.first?.isWhitespace == false, name.last?.isWhitespace == false else {
            throw invalid("it starts or ends with a blank")
        }
        self.name = name
    }

    /// `"name"`, with every `"` doubled: one word for the admin console, whatever the name holds.
    public var quoted: String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public var description: String { name }

    /// Parses `pgbouncer_databases`: comma-separated names, blanks around them ignored; an
    /// empty setting means "every database the pooler serves".
    public static func list(_ setting: String) throws(WardenError) -> [PoolerDatabaseName] {
        var names: [PoolerDatabaseName] = []
        for item in setting.split(separator: ",") {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let name = try PoolerDatabaseName(trimmed)
            if !names.contains(name) { names.append(name) }
        }
        return names
    }
}
