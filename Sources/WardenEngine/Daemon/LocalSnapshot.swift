/// What a daemon reads from its own server once per monitoring interval, in one round trip
/// (a pipeline): the server's recovery state, WAL position and read-only fence, and from the
/// metadata replicated there the node list, the voting term and whether this daemon is paused.
/// Each part that fails (a witness without the daemon status table, say) is left out alone.
struct LocalSnapshot: Sendable {
    var inRecovery: Bool
    /// Received or replayed WAL on a standby, the current WAL position on a primary.
    var position: LSN?
    /// `default_transaction_read_only` is on in the server's configuration (see ``ServerFence``).
    var readOnlyByDefault: Bool
    /// `repmgr.pgwarden_daemon` exists here; until it does, `paused` is not asked for.
    var statusTablePresent: Bool
    var nodes: [NodeRecord]?
    var term: Int?
    /// Nil when not asked for or not readable.
    var paused: Bool?

    private static let serverStatement = PostgresConnection.Statement(
        """
        SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
               CASE WHEN pg_catalog.pg_is_in_recovery() THEN
                 GREATEST(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn())
               ELSE pg_catalog.pg_current_wal_lsn() END::text AS position,
               \(ServerFence.readOnlyByDefaultSQL) AS read_only,
               to_regclass('repmgr.pgwarden_daemon') IS NOT NULL AS status_table
        """)

    /// Nil when the server did not answer (the connection failed or timed out).
    static func read(_ connection: PostgresConnection, nodeID: Int, askPaused: Bool) async -> LocalSnapshot? {
        var statements = [serverStatement, Catalog.nodesStatement, Catalog.votingTermStatement]
        if askPaused { statements.append(DaemonStatusTable.pausedStatement(nodeID: nodeID)) }
        guard let outcomes = try? await connection.pipeline(statements, timeout: .seconds(5)),
            let server = try? outcomes[0].get().first
        else { return nil }
        let nodes = (try? outcomes[1].get()).map(Catalog.decodeNodes)
        let paused: Bool? = askPaused ? (try? outcomes[3].get()).map { $0.first?.bool("paused") ?? false } : nil
        return LocalSnapshot(
            inRecovery: server.bool("in_recovery") ?? false, position: server.lsn("position"),
            readOnlyByDefault: server.bool("read_only") ?? false,
            statusTablePresent: server.bool("status_table") ?? false, nodes: nodes,
            term: (try? outcomes[2].get())?.first?.int("term"), paused: paused)
    }
}
