import Foundation

/// Read-only queries the dashboard needs beyond `cluster show`: lag history from
/// `repmgr.monitoring_history`, and a node's replication slots and WAL receiver.
/// Every value is a query parameter; the SQL text is constant.
public enum DashboardQueries {
    /// Monitoring history of one standby, aggregated into equal time buckets.
    public struct HistorySeries: Sendable, Equatable {
        public var standbyNodeID: Int
        /// Per bucket, oldest first: the largest `replication_lag` (bytes) recorded in it, nil when no row fell in it.
        public var replicationLagBytes: [Double?]
        /// Per bucket: the largest apply lag in seconds (monitor time − last apply time while lagging).
        public var applyLagSeconds: [Double?]
        public var rowCount: Int

        public init(standbyNodeID: Int, replicationLagBytes: [Double?], applyLagSeconds: [Double?], rowCount: Int) {
            self.standbyNodeID = standbyNodeID
            self.replicationLagBytes = replicationLagBytes
            self.applyLagSeconds = applyLagSeconds
            self.rowCount = rowCount
        }
    }

    /// The history of every standby over `window`, cut into `buckets` buckets ending now
    /// (the server's clock). Empty when the table has no rows in the window.
    public static func monitoringHistory(
        _ connection: PostgresConnection, window: Duration, buckets: Int
    ) async throws(WardenError) -> [HistorySeries] {
        let count = max(1, buckets)
        let windowSeconds = max(1, Double(window.components.seconds))
        let bucketSeconds = windowSeconds / Double(count)
        let result = try await connection.query(
            """
            SELECT standby_node_id,
                   floor((extract(epoch FROM now()) - extract(epoch FROM last_monitor_time)) / $2::float8)::int AS age_bucket,
                   max(replication_lag) AS replication_lag,
                   max(CASE WHEN replication_lag > 0 AND last_apply_time IS NOT NULL
                            THEN extract(epoch FROM last_monitor_time - last_apply_time) ELSE 0 END) AS apply_lag_seconds,
                   count(*) AS row_count
              FROM repmgr.monitoring_history
             WHERE last_monitor_time > now() - make_interval(secs => $1::float8)
             GROUP BY 1, 2
             ORDER BY 1, 2
            """, [String(windowSeconds), String(bucketSeconds)], timeout: .seconds(10))
        var series: [Int: HistorySeries] = [:]
        for row in result.rows {
            guard let nodeID = row.int("standby_node_id"), let ageBucket = row.int("age_bucket") else { continue }
            let index = count - 1 - min(max(ageBucket, 0), count - 1)
            var entry =
                series[nodeID]
                ?? HistorySeries(
                    standbyNodeID: nodeID, replicationLagBytes: Array(repeating: nil, count: count),
                    applyLagSeconds: Array(repeating: nil, count: count), rowCount: 0)
            entry.replicationLagBytes[index] = max(
                entry.replicationLagBytes[index] ?? 0, row.double("replication_lag") ?? 0)
            entry.applyLagSeconds[index] = max(entry.applyLagSeconds[index] ?? 0, row.double("apply_lag_seconds") ?? 0)
            entry.rowCount += row.int("row_count") ?? 0
            series[nodeID] = entry
        }
        return series.values.sorted { $0.standbyNodeID < $1.standbyNodeID }
    }

    /// When the newest monitoring row was written, nil when the table is empty.
    public static func newestMonitoringTime(_ connection: PostgresConnection) async throws(WardenError) -> Date? {
        let result = try await connection.query(
            "SELECT extract(epoch FROM max(last_monitor_time)) AS newest FROM repmgr.monitoring_history")
        return result.first?.epochDate("newest")
    }

    /// One row of `pg_replication_slots`.
    public struct ReplicationSlot: Sendable, Equatable {
        public var name: String
        public var type: String
        public var active: Bool
        public var restartLSN: String?
        public var walStatus: String?

        public init(name: String, type: String, active: Bool, restartLSN: String?, walStatus: String?) {
            self.name = name
            self.type = type
            self.active = active
            self.restartLSN = restartLSN
            self.walStatus = walStatus
        }
    }

    /// The node's replication slots.
    public static func replicationSlots(_ connection: PostgresConnection) async throws(WardenError) -> [ReplicationSlot]
    {
        let result = try await connection.query(
            """
            SELECT slot_name, slot_type, active, restart_lsn::text AS restart_lsn, wal_status
              FROM pg_catalog.pg_replication_slots ORDER BY slot_name
            """, timeout: .seconds(5))
        return result.rows.map { row in
            ReplicationSlot(
                name: row.string("slot_name") ?? "", type: row.string("slot_type") ?? "",
                active: row.bool("active") ?? false, restartLSN: row.string("restart_lsn"),
                walStatus: row.string("wal_status"))
        }
    }

    /// The node's `pg_stat_wal_receiver` row, as column → text (empty when it has no WAL receiver).
    public static func walReceiver(_ connection: PostgresConnection) async throws(WardenError) -> [(String, String)] {
        let result = try await connection.query(
            """
            SELECT status, receive_start_lsn::text AS receive_start_lsn, received_tli::text AS received_tli,
                   written_lsn::text AS written_lsn, flushed_lsn::text AS flushed_lsn,
                   latest_end_lsn::text AS latest_end_lsn,
                   round(extract(epoch FROM now() - last_msg_receipt_time)::numeric, 1)::text AS last_message_age_s,
                   slot_name, sender_host, sender_port::text AS sender_port
              FROM pg_catalog.pg_stat_wal_receiver
            """, timeout: .seconds(5))
        guard let row = result.first else { return [] }
        return result.columns.compactMap { column in row.string(column).map { (column, $0) } }
    }
}
