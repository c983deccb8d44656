/// Changes a node's replication settings through its own server with `ALTER SYSTEM` (kept in
/// postgresql.auto.conf across restarts) and a configuration reload. PostgreSQL 13+ applies a
/// changed `primary_conninfo` / `primary_slot_name` on reload, without a restart.
///
/// `ALTER SYSTEM` cannot take query parameters, so the server itself builds the statement with
/// `format('%I = %L')` from parameters; pgwarden never splices a value into SQL text.
public struct ServerSettings: Sendable {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Sets `name` to `value`, or resets it when `value` is nil.
    public func set(_ name: String, to value: String?) async throws(WardenError) {
        let statement: String?
        if let value {
            statement = try await connection.query(
                "SELECT format('ALTER SYSTEM SET %I = %L', $1::text, $2::text) AS statement", [name, value]
            ).first?.string("statement")
        } else {
            statement = try await connection.query(
                "SELECT format('ALTER SYSTEM RESET %I', $1::text) AS statement", [name]
            ).first?.string("statement")
        }
        guard let statement else {
            throw WardenError("unable to build the ALTER SYSTEM statement for \(name)", exitStatus: .dbQuery)
        }
        try await connection.query(statement)
    }

    public func reload() async throws(WardenError) {
        try await connection.query("SELECT pg_catalog.pg_reload_conf()")
    }
}
