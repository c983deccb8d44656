/// Checks that a node just (re)attached as a standby really works: it streams from its upstream
/// and has replayed WAL the upstream wrote after the attachment began.
///
/// A walreceiver that connects, reads one message and is stopped again by the startup process
/// (which happens when the node's WAL no longer matches its upstream's, e.g. `record with incorrect
/// prev-link` or `invalid resource manager ID`) shows `streaming` for a moment; only replay past a
/// position taken after the start proves the node follows its upstream.
public struct ReplayVerification: Sendable {
    /// What was seen last, when the check did not pass.
    public struct Failure: Error, Sendable, Equatable {
        /// Why the node does not count as attached, e.g. `not streaming from node "node1" (ID: 1)`.
        public let reason: String
    }

    /// The node's name (its `application_name` on the upstream).
    public let nodeName: String
    /// The node's own conninfo (to read its walreceiver and replay position); nil when unusable.
    public let nodeConninfo: Conninfo?
    /// The upstream's label in messages.
    public let upstreamLabel: String

    /// Describes the check for one node.
    public init(nodeName: String, nodeConninfo: Conninfo?, upstreamLabel: String) {
        self.nodeName = nodeName
        self.nodeConninfo = nodeConninfo
        self.upstreamLabel = upstreamLabel
    }

    /// Waits until the upstream lists the node as `streaming` and the node has replayed up to `target`
    /// (an upstream WAL position read after the attachment began), at most `timeout`.
    ///
    /// The replay position is read on the node (`pg_last_wal_replay_lsn()`, together with its
    /// `pg_stat_wal_receiver` status); when the node accepts no connections (`hot_standby = off`), the
    /// `replay_lsn` the node reports to its upstream is used instead.
    public func wait(
        upstream: PostgresConnection, target: LSN, timeout: Duration
    ) async -> Result<Void, Failure> {
        let deadline = ContinuousClock.now + timeout
        var reason = "not streaming from \(upstreamLabel)"
        var node: PostgresConnection?
        while ContinuousClock.now < deadline {
            let remaining = max(deadline - ContinuousClock.now, .seconds(1))
            let sender = try? await upstream.query(
                """
                SELECT state, replay_lsn::text AS replay_lsn FROM pg_catalog.pg_stat_replication
                 WHERE application_name = $1 ORDER BY (state = 'streaming') DESC LIMIT 1
                """, [nodeName], timeout: remaining)
            let senderRow = sender?.first
            if senderRow?.string("state") == "streaming" {
                if node == nil || node?.isBroken == true, let nodeConninfo {
                    node = try? await PostgresConnection.connect(nodeConninfo, timeout: min(remaining, .seconds(5)))
                }
                let replayed: LSN?
                var receiving = true
                if let node {
                    let local = try? await node.query(
                        """
                        SELECT (SELECT status FROM pg_catalog.pg_stat_wal_receiver) AS receiver,
                               pg_catalog.pg_last_wal_replay_lsn()::text AS replay_lsn
                        """, timeout: remaining)
                    let receiver = local?.first?.string("receiver")
                    replayed = local?.first?.string("replay_lsn").flatMap(LSN.init)
                    receiving = receiver == "streaming"
                    if !receiving {
                        reason = "its WAL receiver is \(receiver.map { "\"\($0)\"" } ?? "not running")"
                    }
                } else {
                    replayed = senderRow?.string("replay_lsn").flatMap(LSN.init)
                }
                if receiving, let replayed, replayed >= target {
                    return .success(())
                }
                if receiving {
                    reason =
                        "streams from \(upstreamLabel) but has replayed only up to \(replayed.map(\.description) ?? "nothing"), not \(target)"
                }
            } else {
                reason =
                    "not streaming from \(upstreamLabel)"
                    + (senderRow?.string("state").map { " (its WAL sender is in state \"\($0)\")" } ?? "")
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return .failure(Failure(reason: reason))
    }
}
