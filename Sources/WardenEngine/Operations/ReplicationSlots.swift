/// Physical replication slots on an upstream (a primary or, for cascades, a standby).
enum ReplicationSlots {
    /// Creates `name` on the server behind `connection` unless it already exists.
    static func ensure(_ name: String, on connection: PostgresConnection) async throws(WardenError) {
        try await connection.query(
            """
            SELECT pg_catalog.pg_create_physical_replication_slot($1)
             WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1)
            """, [name])
    }
}
