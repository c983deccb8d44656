/// The pgbouncer admin console commands pgwarden sends: a closed set, so that the text sent
/// over the simple query protocol (the only one the console speaks) never contains free
/// text — database names are validated ``PoolerDatabaseName``s, always double-quoted.
public enum PoolerCommand: Sendable, Equatable, CustomStringConvertible {
    /// `PAUSE db`: new queries wait; returns once the database's server connections are released.
    case pause(PoolerDatabaseName)
    /// `RESUME db`: releases the waiting clients.
    case resume(PoolerDatabaseName)
    /// `RELOAD`: re-reads the configuration file.
    case reload
    /// `SHOW DATABASES`.
    case showDatabases
    /// `SHOW CONFIG`.
    case showConfig

    /// The command text sent to the console.
    public var text: String {
        switch self {
        case .pause(let database): "PAUSE \(database.quoted)"
        case .resume(let database): "RESUME \(database.quoted)"
        case .reload: "RELOAD"
        case .showDatabases: "SHOW DATABASES"
        case .showConfig: "SHOW CONFIG"
        }
    }

    public var description: String { text }
}
