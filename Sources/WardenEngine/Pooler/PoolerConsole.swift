/// One pgbouncer admin console, as named by an entry of `pgbouncer_admin_conninfo`.
///
/// The console is a pseudo-database (`dbname=pgbouncer`, the default when the conninfo names
/// none) that only understands the simple query protocol, so every command goes through
/// ``PostgresConnection/adminCommand(_:timeout:)``. An unreachable console is retried for a
/// short, bounded time: a pooler must never hold up a promotion.
public struct PoolerConsole: Sendable {
    /// The console's conninfo (password masked when printed).
    public let conninfo: Conninfo
    /// How long ``connect(budget:)`` keeps retrying by default.
    public static let connectBudget: Duration = .seconds(2)
    /// The pause between two connection attempts.
    static let retryInterval: Duration = .milliseconds(250)

    public init(conninfo text: String) throws(WardenError) {
        var parsed = try Conninfo(parsing: text)
        if parsed.databaseName == nil { parsed["dbname"] = "pgbouncer" }
        conninfo = parsed
    }

    /// `pgbouncer 127.0.0.1:6432`, for messages and event details.
    public var label: String {
        "pgbouncer \(conninfo.host ?? "localhost"):\(conninfo.port ?? "6432")"
    }

    /// Connects, retrying failed attempts until `budget` has passed; the error is the last attempt's.
    public func connect(budget: Duration = PoolerConsole.connectBudget) async throws(WardenError)
        -> PostgresConnection
    {
        let deadline = ContinuousClock.now + budget
        var attempts = 0
        while true {
            attempts += 1
            let remaining = deadline - ContinuousClock.now
            do {
                return try await PostgresConnection.connect(
                    conninfo, timeout: max(min(remaining, .seconds(1)), .milliseconds(100)))
            } catch {
                guard ContinuousClock.now + Self.retryInterval < deadline else {
                    throw WardenError(
                        "cannot reach \(label) (\(attempts) attempt\(attempts == 1 ? "" : "s") in \(budget.secondsText))",
                        detail: error.detail.map { "\(error.message): \($0)" } ?? error.message,
                        exitStatus: .dbConnection)
                }
                try? await Task.sleep(for: Self.retryInterval)
            }
        }
    }

    /// `conffile` from `SHOW CONFIG`: the file pgbouncer reads on `RELOAD`.
    public static func configFilePath(_ connection: PostgresConnection) async throws(WardenError) -> String {
        let config = try await connection.adminCommand(.showConfig)
        guard let path = config.rows.first(where: { $0.string("key") == "conffile" })?.string("value"),
            !path.isEmpty
        else {
            throw WardenError(
                "pgbouncer did not report its configuration file (SHOW CONFIG has no conffile)",
                exitStatus: .localCommand)
        }
        guard path.hasPrefix("/") else {
            throw WardenError(
                "pgbouncer reports a relative configuration file path (\(path))",
                hint: "start pgbouncer with an absolute path to its ini file", exitStatus: .localCommand)
        }
        return path
    }

    /// The databases `SHOW DATABASES` lists, with where each points and whether it is paused.
    public static func databases(_ connection: PostgresConnection) async throws(WardenError)
        -> [PoolerDatabaseStatus]
    {
        try await connection.adminCommand(.showDatabases).rows.compactMap(PoolerDatabaseStatus.init)
    }

    /// The databases pgwarden manages on this console: `configured` (each must be served), or
    /// every database except the console itself when nothing is configured.
    public static func managedDatabases(
        configured: [PoolerDatabaseName], served: [PoolerDatabaseStatus]
    ) throws(WardenError) -> [PoolerDatabaseName] {
        if configured.isEmpty {
            var names: [PoolerDatabaseName] = []
            for entry in served where entry.name != "pgbouncer" {
                names.append(try PoolerDatabaseName(entry.name))
            }
            return names
        }
        let missing = configured.filter { name in !served.contains { $0.name == name.name } }
        guard missing.isEmpty else {
            throw WardenError(
                "pgbouncer serves no database named \(missing.map { "\"\($0.name)\"" }.joined(separator: ", "))",
                hint: "check pgbouncer_databases against SHOW DATABASES", exitStatus: .localCommand)
        }
        return configured
    }
}
