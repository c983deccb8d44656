/// Which nodes' pgwarden daemons are paused, from the daemon state table the daemons keep
/// in the metadata schema. A cluster where no daemon ever ran has no such table: nothing is paused.
public enum DaemonPauseState {
    public static func read(_ catalog: Catalog) async throws(WardenError) -> [String] {
        let exists = try await catalog.connection.query(
            "SELECT to_regclass('repmgr.pgwarden_daemon') IS NOT NULL AS present")
        guard exists.first?.bool("present") == true else { return [] }
        let paused = try await catalog.connection.query(
            """
            SELECT n.node_name FROM repmgr.pgwarden_daemon d JOIN repmgr.nodes n USING (node_id)
             WHERE d.paused ORDER BY n.node_id
            """)
        return paused.rows.compactMap { $0.string("node_name") }
    }
}
