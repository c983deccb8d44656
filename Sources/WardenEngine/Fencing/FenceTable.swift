import Foundation

/// The fenced state of every node, kept in `repmgr.pgwarden_fence` on the primary (so it replicates
/// to every standby and survives restarts; witnesses do not copy it). repmgr has no such table; it is an
/// extra table in the `repmgr` schema, created on first use, and repmgr's own tables are not touched.
///
/// Writes go to the current primary. A fenced primary refuses writes by default
/// (`default_transaction_read_only=on`), so every write first makes pgwarden's own session read-write:
/// the fence keeps applications out, not the tool that manages it.
public enum FenceTable {
    static let createStatement: StaticString = """
        CREATE TABLE IF NOT EXISTS repmgr.pgwarden_fence (
          node_id    INTEGER PRIMARY KEY,
          fenced     BOOLEAN NOT NULL DEFAULT false,
          mode       TEXT NOT NULL DEFAULT '',
          reason     TEXT NOT NULL DEFAULT '',
          fenced_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
          fenced_by  INTEGER
        )
        """

    /// Makes the session read-write and creates the table when it is missing.
    public static func ensure(on primary: Catalog) async throws(WardenError) {
        try await primary.connection.query("SET SESSION default_transaction_read_only = off")
        try await primary.connection.executeScript(createStatement)
    }

    /// Whether the table exists in `catalog` (a standby's replica or a witness copy works).
    public static func exists(_ catalog: Catalog) async throws(WardenError) -> Bool {
        try await catalog.connection.query("SELECT to_regclass('repmgr.pgwarden_fence') IS NOT NULL AS present")
            .first?.bool("present") ?? false
    }

    /// Every node's row, by node ID; empty when no node was ever fenced.
    public static func records(_ catalog: Catalog) async throws(WardenError) -> [Int: FenceRecord] {
        guard try await exists(catalog) else { return [:] }
        let result = try await catalog.connection.query(
            """
            SELECT node_id, fenced, mode, reason, extract(epoch FROM fenced_at) AS fenced_at, fenced_by
              FROM repmgr.pgwarden_fence
            """)
        var records: [Int: FenceRecord] = [:]
        for row in result.rows {
            guard let id = row.int("node_id") else { continue }
            records[id] = FenceRecord(
                nodeID: id, fenced: row.bool("fenced") ?? false,
                method: row.string("mode").flatMap(FenceMethod.init(rawValue:)), reason: row.string("reason") ?? "",
                changedAt: row.epochDate("fenced_at"), changedBy: row.int("fenced_by"))
        }
        return records
    }

    /// The fenced nodes only, by node ID.
    public static func fenced(_ catalog: Catalog) async throws(WardenError) -> [Int: FenceRecord] {
        try await records(catalog).filter { $0.value.fenced }
    }

    /// Writes a node's row on the primary (creating the table when needed).
    public static func write(_ record: FenceRecord, on primary: Catalog) async throws(WardenError) {
        try await ensure(on: primary)
        try await primary.connection.query(
            """
            INSERT INTO repmgr.pgwarden_fence (node_id, fenced, mode, reason, fenced_at, fenced_by)
            VALUES ($1, $2, $3, $4, now(), $5)
            ON CONFLICT (node_id) DO UPDATE
               SET fenced = EXCLUDED.fenced, mode = EXCLUDED.mode, reason = EXCLUDED.reason,
                   fenced_at = EXCLUDED.fenced_at, fenced_by = EXCLUDED.fenced_by
            """,
            [
                String(record.nodeID), record.fenced ? "true" : "false", record.method?.rawValue ?? "",
                record.reason, record.changedBy.map(String.init),
            ])
    }

    /// Records that `node` was fenced or unfenced: its row on the primary, then the `node_fence` /
    /// `node_unfence` event (and its notification) through `recorder`. The daemon calls this after
    /// fencing a node itself. A row that cannot be written is returned as an error after the event
    /// was still attempted (notifications go out even without a primary, as in repmgr).
    public static func record(
        _ record: FenceRecord, node: NodeRecord, details: String, on primary: Catalog?, recorder: EventRecorder,
        primaryNode: NodeRecord? = nil
    ) async throws(WardenError) {
        var failure: WardenError?
        if let primary {
            do {
                try await write(record, on: primary)
            } catch {
                failure = error
            }
        } else {
            failure = WardenError(
                "unable to record the fenced state of \(node.label): no primary is reachable", exitStatus: .dbConnection
            )
        }
        await recorder.record(
            record.fenced ? "node_fence" : "node_unfence", nodeID: node.nodeID, successful: failure == nil,
            details: details, in: failure == nil ? primary : nil, primaryNodeID: primaryNode?.nodeID,
            primaryConninfo: primaryNode?.conninfo,
            primaryName: primaryNode?.nodeName)
        if let failure { throw failure }
    }
}
