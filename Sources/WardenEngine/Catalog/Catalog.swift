import Foundation

/// Reads and writes the `repmgr` metadata schema over one connection. Every value goes
/// through query parameters; the SQL text is constant.
public struct Catalog: Sendable {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    private static let nodeColumns = """
        node_id, upstream_node_id, active, node_name, type, location, priority, conninfo, repluser, slot_name, config_file
        """

    /// True when `repmgr.nodes` exists (created by pgwarden or by repmgr's extension).
    public func schemaExists() async throws(WardenError) -> Bool {
        let result = try await connection.query("SELECT to_regclass('repmgr.nodes') IS NOT NULL AS present")
        return result.first?.bool("present") ?? false
    }

    /// Creates the schema; call inside the transaction that also writes the first records.
    public func createSchema() async throws(WardenError) {
        try await connection.executeScript(CatalogSchema.createScript)
    }

    public func begin() async throws(WardenError) { try await connection.query("BEGIN") }
    public func commit() async throws(WardenError) { try await connection.query("COMMIT") }

    /// Rolls back, ignoring errors: used on paths that already report a failure.
    public func rollback() async { _ = try? await connection.query("ROLLBACK") }

    public func nodes() async throws(WardenError) -> [NodeRecord] {
        Self.decodeNodes(try await connection.query(Self.nodesStatement.sql))
    }

    /// The statement ``nodes()`` runs, for a ``PostgresConnection/pipeline(_:timeout:)``; its
    /// result decodes with ``decodeNodes(_:)``.
    static let nodesStatement = PostgresConnection.Statement(
        "SELECT \(nodeColumns) FROM repmgr.nodes ORDER BY node_id")

    static func decodeNodes(_ result: QueryResult) -> [NodeRecord] { result.rows.compactMap(decodeNode) }

    public func node(id: Int) async throws(WardenError) -> NodeRecord? {
        let result = try await connection.query(
            "SELECT \(Self.nodeColumns) FROM repmgr.nodes WHERE node_id = $1", [String(id)])
        return result.first.flatMap(Self.decodeNode)
    }

    public func insert(_ node: NodeRecord) async throws(WardenError) {
        try await connection.query(
            """
            INSERT INTO repmgr.nodes (\(Self.nodeColumns))
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """, Self.parameters(of: node))
    }

    /// Overwrites the record with the same node_id (`--force` re-registration).
    public func update(_ node: NodeRecord) async throws(WardenError) {
        try await connection.query(
            """
            UPDATE repmgr.nodes SET upstream_node_id = $2, active = $3, node_name = $4, type = $5, location = $6,
                   priority = $7, conninfo = $8, repluser = $9, slot_name = $10, config_file = $11
             WHERE node_id = $1
            """, Self.parameters(of: node))
    }

    public func deleteNode(id: Int) async throws(WardenError) {
        try await connection.query("DELETE FROM repmgr.nodes WHERE node_id = $1", [String(id)])
    }

    /// Inserts an event row and returns the timestamp the server gave it.
    @discardableResult
    public func recordEvent(nodeID: Int, event: String, successful: Bool, details: String) async throws(WardenError)
        -> String
    {
        let result = try await connection.query(
            """
            INSERT INTO repmgr.events (node_id, event, successful, details)
            VALUES ($1, $2, $3, $4)
            RETURNING event_timestamp::text AS event_timestamp
            """, [String(nodeID), event, successful ? "true" : "false", details.isEmpty ? nil : details])
        return result.first?.string("event_timestamp") ?? ""
    }

    public func events(_ filter: EventFilter) async throws(WardenError) -> [EventRecord] {
        let result = try await connection.query(
            """
            SELECT e.node_id, n.node_name, e.event, e.successful,
                   extract(epoch FROM e.event_timestamp) AS epoch,
                   to_char(e.event_timestamp, 'YYYY-MM-DD HH24:MI:SS') AS timestamp_text,
                   e.details
              FROM repmgr.events e
              LEFT JOIN repmgr.nodes n ON n.node_id = e.node_id
             WHERE ($1::int IS NULL OR e.node_id = $1::int)
               AND ($2::text IS NULL OR n.node_name = $2::text)
               AND ($3::text IS NULL OR e.event = $3::text)
             ORDER BY e.event_timestamp DESC, e.ctid DESC
             LIMIT $4::bigint
            """,
            [filter.nodeID.map(String.init), filter.nodeName, filter.event, filter.limit.map(String.init)])
        return result.rows.map { row in
            EventRecord(
                nodeID: row.int("node_id") ?? 0, nodeName: row.string("node_name") ?? "",
                event: row.string("event") ?? "", successful: row.bool("successful") ?? false,
                timestamp: row.epochDate("epoch") ?? Date(timeIntervalSince1970: 0),
                timestampText: row.string("timestamp_text") ?? "", details: row.string("details") ?? "")
        }
    }

    public func votingTerm() async throws(WardenError) -> Int? {
        try await connection.query(Self.votingTermStatement.sql).first?.int("term")
    }

    /// The statement ``votingTerm()`` runs (column `term`), for a pipeline.
    static let votingTermStatement = PostgresConnection.Statement("SELECT term FROM repmgr.voting_term")

    private static func parameters(of node: NodeRecord) -> [String?] {
        [
            String(node.nodeID), node.upstreamNodeID.map(String.init), node.active ? "true" : "false", node.nodeName,
            node.type.rawValue, node.location, String(node.priority), node.conninfo, node.replicationUser,
            node.slotName, node.configFile,
        ]
    }

    private static func decodeNode(_ row: QueryResult.Row) -> NodeRecord? {
        guard let id = row.int("node_id"), let name = row.string("node_name"),
            let type = row.string("type").flatMap(NodeType.init(rawValue:))
        else { return nil }
        return NodeRecord(
            nodeID: id, upstreamNodeID: row.int("upstream_node_id"), active: row.bool("active") ?? true,
            nodeName: name, type: type, location: row.string("location") ?? "default",
            priority: row.int("priority") ?? 100, conninfo: row.string("conninfo") ?? "",
            replicationUser: row.string("repluser") ?? "", slotName: row.string("slot_name"),
            configFile: row.string("config_file") ?? "")
    }
}
