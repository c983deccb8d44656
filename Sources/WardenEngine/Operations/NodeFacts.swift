import Foundation

/// The facts about a running server that promote, follow and switchover decide on.
public struct NodeFacts: Sendable {
    public var inRecovery: Bool
    /// On a standby: the timeline it receives, else the newest timeline of its WAL segments
    /// (the last checkpoint's timeline can be older than the WAL it already has).
    public var timeline: Int
    /// The newest WAL this node has: current (primary) or received/replayed (standby).
    public var position: LSN
    public var replayPaused: Bool
    public var maxWalSenders: Int
    public var usedWalSenders: Int
    public var maxReplicationSlots: Int
    public var usedReplicationSlots: Int
    public var isSuperuser: Bool
    public var dataDirectory: String
    /// `default_transaction_read_only` is on in the server's configuration: the node is fenced
    /// read-only (see ``ServerFence``), and promoting it would give a primary that refuses writes.
    public var readOnlyByDefault: Bool

    public static func read(_ connection: PostgresConnection) async throws(WardenError) -> NodeFacts {
        let result = try await connection.query(
            """
            SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
                   CASE WHEN pg_catalog.pg_is_in_recovery() THEN
                     COALESCE((SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver WHERE received_tli > 0),
                              (SELECT max(('x' || substr(name, 1, 8))::bit(32)::int) FROM pg_catalog.pg_ls_waldir()
                                WHERE name ~ '^[0-9A-F]{24}$'),
                              (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()))
                   ELSE ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int
                   END AS timeline,
                   CASE WHEN pg_catalog.pg_is_in_recovery() THEN
                     GREATEST(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn())
                   ELSE pg_catalog.pg_current_wal_lsn() END AS position,
                   CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused() ELSE false END
                     AS replay_paused,
                   current_setting('max_wal_senders')::int AS max_wal_senders,
                   (SELECT count(*) FROM pg_catalog.pg_stat_replication)::int AS used_wal_senders,
                   current_setting('max_replication_slots')::int AS max_slots,
                   (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int AS used_slots,
                   (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser,
                   current_setting('data_directory') AS data_directory,
                   \(ServerFence.readOnlyByDefaultSQL) AS read_only
            """)
        guard let row = result.first else { throw WardenError("unable to read node facts", exitStatus: .dbQuery) }
        return NodeFacts(
            inRecovery: row.bool("in_recovery") ?? false, timeline: row.int("timeline") ?? 0,
            position: row.lsn("position") ?? .zero, replayPaused: row.bool("replay_paused") ?? false,
            maxWalSenders: row.int("max_wal_senders") ?? 0, usedWalSenders: row.int("used_wal_senders") ?? 0,
            maxReplicationSlots: row.int("max_slots") ?? 0, usedReplicationSlots: row.int("used_slots") ?? 0,
            isSuperuser: row.bool("superuser") ?? false, dataDirectory: row.string("data_directory") ?? "",
            readOnlyByDefault: row.bool("read_only") ?? false)
    }

    /// Reads `0000000N.history` from a server's pg_wal (superuser only); empty for timeline 1.
    public static func timelineHistory(_ connection: PostgresConnection, timeline: Int) async throws(WardenError)
        -> TimelineHistory
    {
        guard timeline > 1 else { return TimelineHistory(entries: []) }
        let name = "pg_wal/" + String(format: "%08X", timeline) + ".history"
        let result = try await connection.query("SELECT pg_catalog.pg_read_file($1) AS history", [name])
        return TimelineHistory(parsing: result.first?.string("history") ?? "")
    }
}
