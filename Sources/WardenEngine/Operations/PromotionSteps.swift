/// The steps every promotion shares (manual promote, switchover, automatic failover):
/// promote the server, wait until it leaves recovery, and rewrite the metadata.
public enum PromotionSteps {
    /// Calls `pg_promote()` without waiting inside the server, then polls every 20 ms until
    /// the node accepts writes; returns how long that took.
    public static func promote(_ connection: PostgresConnection, timeout: Duration) async throws(WardenError)
        -> Duration
    {
        let started = ContinuousClock.now
        try await requestPromotion(connection, timeout: timeout)
        try await waitUntilPromoted(connection, timeout: timeout, since: started)
        return ContinuousClock.now - started
    }

    /// Calls `pg_promote(false)`. Once it returned, the server will end recovery by itself; when
    /// it throws, the promotion was refused or its request may not have arrived.
    public static func requestPromotion(_ connection: PostgresConnection, timeout: Duration) async throws(WardenError) {
        let result = try await connection.query(
            "SELECT pg_catalog.pg_promote(false) AS promoted", timeout: max(timeout, .seconds(1)))
        guard result.first?.bool("promoted") == true else {
            throw WardenError(refusedMessage, exitStatus: .promotionFailed)
        }
    }

    /// The message of ``requestPromotion(_:timeout:)`` when the server answered that it will not promote.
    public static let refusedMessage = "pg_promote() refused to promote the node"

    /// Polls every 20 ms until the node accepts writes, up to `timeout` after `started`.
    public static func waitUntilPromoted(
        _ connection: PostgresConnection, timeout: Duration, since started: ContinuousClock.Instant
    ) async throws(WardenError) {
        // Each query is bounded by what is left of `timeout` (at least a second to answer).
        func remaining() -> Duration { max(timeout - (ContinuousClock.now - started), .seconds(1)) }
        while ContinuousClock.now - started < timeout {
            let recovery = try await connection.query(
                "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery", timeout: remaining())
            if recovery.first?.bool("in_recovery") == false { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        throw WardenError(
            "the node did not leave recovery within \(timeout.secondsText) after pg_promote()",
            hint: "check the node's PostgreSQL log", exitStatus: .promotionFailed)
    }

    /// Makes `node` the primary in the metadata on the new primary itself: its record becomes
    /// primary without upstream, other primaries become inactive, witnesses watch it, and the voting term goes up
    /// by one — or becomes `term`, the term an election was won in.
    public static func recordPromotion(of nodeID: Int, in catalog: Catalog, demoted: [Int: Int] = [:], term: Int? = nil)
        async throws(WardenError) -> Int
    {
        try await catalog.begin()
        do throws(WardenError) {
            try await catalog.connection.query(
                "UPDATE repmgr.nodes SET type = 'primary', upstream_node_id = NULL, active = true WHERE node_id = $1",
                [String(nodeID)])
            try await catalog.connection.query(
                "UPDATE repmgr.nodes SET active = false WHERE type = 'primary' AND node_id <> $1", [String(nodeID)])
            // A witness watches the primary: its upstream is the new one from now on.
            try await catalog.connection.query(
                "UPDATE repmgr.nodes SET upstream_node_id = $1 WHERE type = 'witness'", [String(nodeID)])
            for (demotedID, upstreamID) in demoted {
                try await catalog.connection.query(
                    "UPDATE repmgr.nodes SET type = 'standby', upstream_node_id = $2, active = true WHERE node_id = $1",
                    [String(demotedID), String(upstreamID)])
            }
            let updated = try await catalog.connection.query(
                "UPDATE repmgr.voting_term SET term = COALESCE($1::int, term + 1) RETURNING term",
                [term.map(String.init)])
            try await catalog.commit()
            return updated.first?.int("term") ?? 0
        } catch {
            await catalog.rollback()
            throw error
        }
    }
}
