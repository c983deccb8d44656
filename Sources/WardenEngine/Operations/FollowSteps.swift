/// The steps every re-pointing of a running standby shares (follow, siblings following a
/// promotion or switchover): a slot on the new upstream, `primary_conninfo` /
/// `primary_slot_name` through ALTER SYSTEM, a reload, and a wait until it streams.
public enum FollowSteps {
    /// Re-points the standby behind `followerConnection` at `upstream`.
    public static func repoint(
        follower: NodeRecord, followerConnection: PostgresConnection,
        upstream: NodeRecord, upstreamConnection: PostgresConnection
    ) async throws(WardenError) {
        if let slot = follower.slotName {
            try await ReplicationSlots.ensure(slot, on: upstreamConnection)
        }
        let settings = ServerSettings(connection: followerConnection)
        try await settings.set(
            "primary_conninfo", to: ReplicationSource.primaryConninfo(upstream: upstream, follower: follower))
        if let slot = follower.slotName { try await settings.set("primary_slot_name", to: slot) }
        try await settings.reload()
    }

    /// Waits until `upstream` lists the follower as a streaming child.
    public static func waitUntilStreaming(
        follower: NodeRecord, upstreamConnection: PostgresConnection, timeout: Duration
    ) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let result = try? await upstreamConnection.query(
                "SELECT 1 FROM pg_catalog.pg_stat_replication WHERE application_name = $1 AND state = 'streaming'",
                [follower.nodeName], timeout: max(deadline - ContinuousClock.now, .seconds(1)))
            if result?.rows.isEmpty == false { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Refuses to follow when the follower wrote WAL the new upstream does not have.
    public static func checkTimeline(
        follower: NodeFacts, upstream: NodeFacts, upstreamConnection: PostgresConnection, followerLabel: String,
        upstreamLabel: String
    ) async throws(WardenError) {
        let history = try await NodeFacts.timelineHistory(upstreamConnection, timeline: upstream.timeline)
        let verdict = TimelineCompatibility.check(
            timeline: follower.timeline, position: follower.position, upstreamTimeline: upstream.timeline,
            upstreamHistory: history)
        switch verdict {
        case .compatible:
            if follower.timeline == upstream.timeline && follower.position > upstream.position
                && upstream.inRecovery
                    == false
            {
                throw WardenError(
                    "\(followerLabel) is ahead of \(upstreamLabel) on timeline \(follower.timeline) (\(follower.position) > \(upstream.position))",
                    hint: "execute \"pgwarden node rejoin --force-rewind\" on the stopped node",
                    exitStatus: .followFailed)
            }
        case .diverged(let fork, let local):
            throw WardenError(
                "this node cannot attach to \(upstreamLabel)",
                detail:
                    "\(upstreamLabel)'s timeline \(upstream.timeline) forked from timeline \(follower.timeline) at \(fork), but this node's position is \(local)",
                hint: "stop this node and execute \"pgwarden node rejoin --force-rewind\"", exitStatus: .followFailed)
        case .unrelated:
            throw WardenError(
                "this node's timeline \(follower.timeline) is not in the history of \(upstreamLabel) (timeline \(upstream.timeline))",
                hint: "stop this node and execute \"pgwarden node rejoin --force-rewind\"", exitStatus: .followFailed)
        }
    }
}
