/// Writes one `repmgr.monitoring_history` row for a standby, on the primary: the primary's
/// current LSN, the standby's received and replayed positions and the lags in bytes. This is
/// what the `replication_status` view and the dashboard's history pane read.
public enum MonitoringHistoryWriter {
    public static func record(
        standbyID: Int, standby: PostgresConnection, primaryID: Int, primary: Catalog
    ) async throws(WardenError) {
        let local = try await standby.query(
            """
            SELECT pg_catalog.pg_last_wal_receive_lsn()::text AS received,
                   pg_catalog.pg_last_wal_replay_lsn()::text AS replayed,
                   pg_catalog.pg_last_xact_replay_timestamp()::text AS applied_at
            """)
        guard let row = local.first, let received = row.string("received") ?? row.string("replayed") else { return }
        try await primary.connection.query(
            """
            INSERT INTO repmgr.monitoring_history
              (primary_node_id, standby_node_id, last_monitor_time, last_apply_time, last_wal_primary_location,
               last_wal_standby_location, replication_lag, apply_lag)
            SELECT $1::int, $2::int, now(), $5::timestamptz, pg_catalog.pg_current_wal_lsn(), $3::pg_lsn,
                   GREATEST(0, pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), $3::pg_lsn))::bigint,
                   GREATEST(0, pg_catalog.pg_wal_lsn_diff($3::pg_lsn, COALESCE($4::pg_lsn, $3::pg_lsn)))::bigint
            """, [String(primaryID), String(standbyID), received, row.string("replayed"), row.string("applied_at")])
    }
}
