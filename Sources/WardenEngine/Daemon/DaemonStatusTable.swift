import Foundation

/// The daemons' shared state, kept in `repmgr.pgwarden_daemon` on the primary (so it replicates
/// to every node and survives restarts): one row per node with the daemon's PID, whether it is
/// paused, when it last reported, its monitor state and its latest "why (not) failover"
/// explanation. repmgr keeps this in shared memory through its C extension; pgwarden has none.
public enum DaemonStatusTable {
    /// One node's row.
    public struct Row: Sendable, Equatable, Codable {
        public var nodeID: Int
        public var pid: Int?
        public var paused: Bool
        public var lastSeen: Date?
        public var upstreamLastSeen: Date?
        public var state: String
        public var explanation: String
        /// The lease as the daemon saw it at `lastSeen` (nil: none, or a daemon older than the column).
        public var lease: LeaseStatus? = nil
    }

    static let createStatement: StaticString = """
        CREATE TABLE IF NOT EXISTS repmgr.pgwarden_daemon (
          node_id            INTEGER PRIMARY KEY,
          pid                INTEGER,
          paused             BOOLEAN NOT NULL DEFAULT false,
          started_at         TIMESTAMP WITH TIME ZONE,
          last_seen          TIMESTAMP WITH TIME ZONE,
          upstream_last_seen TIMESTAMP WITH TIME ZONE,
          state              TEXT NOT NULL DEFAULT '',
          explanation        TEXT NOT NULL DEFAULT ''
        );
        ALTER TABLE repmgr.pgwarden_daemon ADD COLUMN IF NOT EXISTS lease JSONB
        """

    /// Creates the table on the primary when it is missing, or adds the columns a newer daemon writes.
    public static func ensure(on primary: Catalog) async throws(WardenError) {
        try await primary.connection.executeScript(createStatement)
    }

    public static func exists(_ catalog: Catalog) async throws(WardenError) -> Bool {
        try await catalog.connection.query("SELECT to_regclass('repmgr.pgwarden_daemon') IS NOT NULL AS present")
            .first?.bool("present") ?? false
    }

    /// Writes this node's row (a daemon's heartbeat); `pid` nil marks it stopped.
    public static func report(
        nodeID: Int, pid: Int?, state: String, explanation: String, upstreamLastSeen: Date?, starting: Bool,
        lease: LeaseStatus? = nil, on primary: Catalog
    ) async throws(WardenError) {
        let leaseJSON = lease.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        try await primary.connection.query(
            """
            INSERT INTO repmgr.pgwarden_daemon
                   (node_id, pid, started_at, last_seen, upstream_last_seen, state, explanation, lease)
            VALUES ($1, $2, CASE WHEN $3::bool THEN now() END, now(), to_timestamp($4::float8), $5, $6, $7::jsonb)
            ON CONFLICT (node_id) DO UPDATE
               SET pid = EXCLUDED.pid,
                   started_at = COALESCE(EXCLUDED.started_at, repmgr.pgwarden_daemon.started_at),
                   last_seen = now(), upstream_last_seen = EXCLUDED.upstream_last_seen,
                   state = EXCLUDED.state, explanation = EXCLUDED.explanation, lease = EXCLUDED.lease
            """,
            [
                String(nodeID), pid.map(String.init), starting ? "true" : "false",
                upstreamLastSeen.map { String($0.timeIntervalSince1970) }, state, explanation, leaseJSON,
            ])
    }

    /// Pauses or unpauses the daemons of every registered node (the flag is kept across restarts).
    public static func setPaused(_ paused: Bool, on primary: Catalog) async throws(WardenError) -> [NodeRecord] {
        try await ensure(on: primary)
        let nodes = try await primary.nodes()
        try await primary.connection.query(
            """
            INSERT INTO repmgr.pgwarden_daemon (node_id, paused)
            SELECT node_id, $1::bool FROM repmgr.nodes
            ON CONFLICT (node_id) DO UPDATE SET paused = EXCLUDED.paused
            """, [paused ? "true" : "false"])
        return nodes
    }

    public static func rows(_ catalog: Catalog) async throws(WardenError) -> [Int: Row] {
        guard try await exists(catalog) else { return [:] }
        let result = try await catalog.connection.query(
            """
            SELECT node_id, pid, paused, extract(epoch FROM last_seen) AS last_seen,
                   extract(epoch FROM upstream_last_seen) AS upstream_last_seen, state, explanation,
                   to_jsonb(t) ->> 'lease' AS lease -- NULL, not an error, where no daemon has added the column yet
              FROM repmgr.pgwarden_daemon t
            """)
        var rows: [Int: Row] = [:]
        for row in result.rows {
            guard let id = row.int("node_id") else { continue }
            rows[id] = Row(
                nodeID: id, pid: row.int("pid"), paused: row.bool("paused") ?? false,
                lastSeen: row.epochDate("last_seen"), upstreamLastSeen: row.epochDate("upstream_last_seen"),
                state: row.string("state") ?? "", explanation: row.string("explanation") ?? "",
                lease: row.string("lease").flatMap { try? JSONDecoder().decode(LeaseStatus.self, from: Data($0.utf8)) })
        }
        return rows
    }

    /// Whether this node's daemon is paused, read from any copy of the table (a standby's replica works).
    public static func isPaused(nodeID: Int, in catalog: Catalog) async -> Bool {
        guard (try? await exists(catalog)) == true else { return false }
        let statement = pausedStatement(nodeID: nodeID)
        let result = try? await catalog.connection.query(statement.sql, statement.parameters)
        return result?.first?.bool("paused") ?? false
    }

    /// The statement ``isPaused(nodeID:in:)`` runs once the table is known to exist (column
    /// `paused`; no row means not paused), for a pipeline.
    static func pausedStatement(nodeID: Int) -> PostgresConnection.Statement {
        PostgresConnection.Statement("SELECT paused FROM repmgr.pgwarden_daemon WHERE node_id = $1", [String(nodeID)])
    }
}
