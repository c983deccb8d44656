/// One row of pgbouncer's `SHOW DATABASES`: where a pooled database points and whether it is paused.
public struct PoolerDatabaseStatus: Sendable, Equatable {
    public let name: String
    public let host: String
    public let port: String
    public let paused: Bool

    public init(name: String, host: String, port: String, paused: Bool) {
        self.name = name
        self.host = host
        self.port = port
        self.paused = paused
    }

    init?(_ row: QueryResult.Row) {
        guard let name = row.string("name") else { return nil }
        self.init(
            name: name, host: row.string("host") ?? "", port: row.string("port") ?? "",
            paused: row.int("paused").map { $0 != 0 } ?? false)
    }
}
