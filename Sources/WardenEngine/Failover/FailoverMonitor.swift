/// The failover daemon's decision core: a pure state machine, `(state, observation, now) ->
/// (state, [effects])`, with repmgr 5.3's monitoring and failover semantics. It performs no I/O,
/// never sleeps and never reads a clock, so the same code runs in the daemon and in the
/// deterministic cluster simulation.
///
/// ## How a driver uses it
///
/// 1. Read the local configuration, the node records and `repmgr.voting_term`; build a
///    ``MonitorContext``. Load the persisted ``VoteRecord`` and pause flag, ask the local server
///    whether it is in recovery and whom it replicates from, and call
///    ``start(context:now:runsAsPrimary:upstreamNodeID:vote:paused:)``.
/// 2. Perform the returned effects in order. Effects with a result (checks, polls, votes,
///    validation, promotion, follow, rejoin) are answered later with the matching
///    ``MonitorObservation``; ``MonitorEffect/recordVote(_:)`` must be durable before the next
///    effect; ``MonitorEffect/wakeUp(at:)`` (the last effect of every step) replaces the one timer
///    the driver keeps, which delivers ``MonitorObservation/tick``.
/// 3. Feed every observation — results, messages from other daemons (vote requests and replies,
///    primary announcements, withdrawn candidacies), a dropped WAL receiver, `daemon pause` /
///    `unpause`, timer ticks — to ``step(_:_:now:context:)`` one at a time, with the current time
///    on the driver's monotonic clock and the latest context, keep the returned state, and go
///    back to 2.
/// 4. Publish the state for `daemon status` (phase, role, upstream, ``MonitorState/upstreamLastSeen``,
///    pause) and the latest ``FailoverExplanation`` for `daemon status --explain`. When another
///    daemon polls this one, answer with ``MonitorState/report(nodeID:settings:inRecovery:receivedLSN:now:)``.
///
/// ## Timing
///
/// A failed check, or a dropped WAL receiver followed by a failed check, is the first of
/// `reconnect_attempts` checks; the others follow `reconnect_interval` apart, counted from that
/// first one, and the decision follows the last: with `reconnect_attempts=2` and
/// `reconnect_interval=1` it is taken 1.0 s after the loss is noticed.
///
/// ## Elections and terms
///
/// Once the loss is confirmed a standby polls its peers and runs ``CandidateElection``. The node
/// ranked first asks every voter (the active nodes other than the failed primary) for its vote in
/// the next term; a voter grants at most one vote per term, and only if it does not know a newer
/// primary, is not waiting for another candidate it voted for, does not itself rank higher, and
/// (with `primary_visibility_consensus`) no longer sees the primary. With a majority the winner
/// promotes, setting `repmgr.voting_term` to its term, and announces itself; the others follow.
/// Hence one term has at most one promotion. A primary that learns of a newer term fences itself
/// and, with `auto_rejoin`, rejoins the new primary. A term is normally the previous one plus 1;
/// it grows by more only when elections fail before a promotion.
public enum FailoverMonitor {
    /// The first state of a daemon that starts now, with its first effects (`repmgrd_start`, the
    /// first check). The role and upstream come from the local node record unless the driver
    /// tells what the local server actually runs as: `runsAsPrimary` (`pg_is_in_recovery()` is
    /// false) and `upstreamNodeID` (whom `pg_stat_wal_receiver` streams from) — a node promoted
    /// or re-attached while its daemon was down. `vote` is the last vote recorded before a
    /// restart; `paused` the persisted pause flag. `leaseFencedTerm` is the term of the lease this
    /// node's daemon fenced it for (the data directory's marker): it starts as a fenced primary
    /// that asks for its lease again, whatever its server runs as now.
    public static func start(
        context: MonitorContext, now: MonitorInstant, runsAsPrimary: Bool? = nil, upstreamNodeID: Int? = nil,
        vote: VoteRecord? = nil, paused: Bool = false, leaseFencedTerm: Int? = nil
    ) -> (MonitorState, [MonitorEffect]) {
        let record = context.localNode
        let registeredPrimary = context.registeredPrimary?.nodeID
        let role: MonitorRole
        switch (record?.type, runsAsPrimary) {
        case (.witness?, _): role = .witness
        case _ where leaseFencedTerm != nil: role = .primary
        case (_, true?), (.primary?, nil): role = .primary
        default: role = .standby
        }
        let primary = role == .primary ? context.nodeID : registeredPrimary == context.nodeID ? nil : registeredPrimary
        let upstream = role == .primary ? nil : upstreamNodeID ?? record?.upstreamNodeID ?? primary
        var restoredVote = vote
        restoredVote?.grantedAt = now
        var state = MonitorState(
            phase: .monitoring, role: role, upstreamNodeID: upstream, primaryNodeID: primary, term: context.term,
            promotedTerm: role == .primary ? leaseFencedTerm ?? context.term : nil, vote: restoredVote,
            isPaused: paused, nextCheck: now)
        if role == .primary {
            // A primary's daemon gives itself one lease to hear from its voters (see ``PrimaryLease``).
            state.lease = PrimaryLease(
                term: state.promotedTerm ?? context.term, graceUntil: now.advanced(by: context.settings.leaseStartGrace)
            )
        } else {
            // It may have granted a lease before it (re)started: it backs no candidate for a lease duration.
            state.leaseGrant = LeaseGrant(
                holderID: nil, term: context.term, expiresAt: now.advanced(by: context.settings.leaseDuration))
        }
        var transition = MonitorTransition(state: state, context: context, now: now)
        transition.started()
        if let leaseFencedTerm, role == .primary { transition.startFenced(term: leaseFencedTerm) }
        return transition.finish()
    }

    /// The state after `observation` at `now`, and what the driver must do, in order.
    public static func step(
        _ state: MonitorState, _ observation: MonitorObservation, now: MonitorInstant, context: MonitorContext
    ) -> (MonitorState, [MonitorEffect]) {
        var transition = MonitorTransition(state: state, context: context, now: now)
        transition.apply(observation)
        return transition.finish()
    }
}
