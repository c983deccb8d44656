import Foundation

/// Probes servers: connects within each conninfo's `connect_timeout` and reads the facts of
/// a `NodeObservation` in one round trip. Probing many servers runs them all at once, so a
/// cluster with hung nodes costs one timeout in total.
public enum NodeProber {
    /// Query deadline once connected; a server that accepted the connection but then hangs
    /// is given this long before it counts as unreachable.
    public static let queryTimeout: Duration = .seconds(3)

    static let observationQuery = """
        SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
               CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL ELSE pg_catalog.pg_current_wal_lsn() END AS current_lsn,
               pg_catalog.pg_last_wal_receive_lsn() AS receive_lsn,
               pg_catalog.pg_last_wal_replay_lsn() AS replay_lsn,
               CASE WHEN pg_catalog.pg_is_in_recovery() THEN
                 CASE WHEN pg_catalog.pg_last_wal_receive_lsn() = pg_catalog.pg_last_wal_replay_lsn() THEN 0
                      ELSE extract(epoch FROM now() - pg_catalog.pg_last_xact_replay_timestamp()) END
               END AS replay_lag_seconds,
               CASE WHEN pg_catalog.pg_is_in_recovery() THEN
                 COALESCE((SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver),
                          (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()))
               ELSE ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int
               END AS timeline,
               (SELECT status FROM pg_catalog.pg_stat_wal_receiver) AS wal_receiver_status,
               (SELECT sender_host FROM pg_catalog.pg_stat_wal_receiver) AS sender_host,
               (SELECT sender_port FROM pg_catalog.pg_stat_wal_receiver) AS sender_port,
               (SELECT COALESCE(json_agg(json_build_object(
                          'applicationName', application_name, 'state', state,
                          'sentLSN', sent_lsn::text, 'flushLSN', flush_lsn::text, 'replayLSN', replay_lsn::text)), '[]')
                  FROM pg_catalog.pg_stat_replication) AS downstream,
               current_setting('server_version') AS server_version
        """

    /// Probes one server over a connection that is already open.
    public static func observe(_ connection: PostgresConnection) async -> NodeObservation {
        do {
            let result = try await connection.query(observationQuery, timeout: queryTimeout)
            guard let row = result.first else { return NodeObservation(unreachable: "probe returned no row") }
            let downstreamJSON = Data((row.string("downstream") ?? "[]").utf8)
            let downstream = (try? JSONDecoder().decode([NodeObservation.Downstream].self, from: downstreamJSON)) ?? []
            return NodeObservation(
                inRecovery: row.bool("in_recovery") ?? false, timeline: row.int("timeline"),
                currentLSN: row.lsn("current_lsn"), receiveLSN: row.lsn("receive_lsn"),
                replayLSN: row.lsn("replay_lsn"), replayLagSeconds: row.double("replay_lag_seconds"),
                walReceiverStatus: row.string("wal_receiver_status"), senderHost: row.string("sender_host"),
                senderPort: row.int("sender_port"), downstream: downstream,
                serverVersion: row.string("server_version"))
        } catch {
            return NodeObservation(unreachable: error.detail ?? error.message)
        }
    }

    /// Connects to `conninfo` and probes it; an unreachable server yields an observation, not an error.
    public static func probe(_ conninfo: String, readOnly: Bool = false) async -> NodeObservation {
        let parsed: Conninfo
        do {
            parsed = try Conninfo(parsing: conninfo)
        } catch {
            return NodeObservation(unreachable: error.message)
        }
        do {
            let connection = try await PostgresConnection.connect(parsed, readOnly: readOnly)
            return await observe(connection)
        } catch {
            return NodeObservation(unreachable: error.detail ?? error.message)
        }
    }

    /// Probes every node at once; the result maps node_id to what was seen.
    public static func probeAll(_ nodes: [NodeRecord], readOnly: Bool = false) async -> [Int: NodeObservation] {
        await withTaskGroup(of: (Int, NodeObservation).self) { group in
            for node in nodes {
                group.addTask { (node.nodeID, await probe(node.conninfo, readOnly: readOnly)) }
            }
            var observations: [Int: NodeObservation] = [:]
            for await (id, observation) in group { observations[id] = observation }
            return observations
        }
    }
}
