/// One transition of the failover monitor: the state before, the observation, the time and the
/// context go in; the state after and the effects come out. ``FailoverMonitor`` is its public face.
struct MonitorTransition {
    var state: MonitorState
    var effects: [MonitorEffect] = []
    let context: MonitorContext
    let now: MonitorInstant

    init(state: MonitorState, context: MonitorContext, now: MonitorInstant) {
        self.state = state
        self.context = context
        self.now = now
    }

    var settings: FailoverSettings { context.settings }
    var selfID: Int { context.nodeID }
    /// Polls outstanding beyond which their answers are taken as lost.
    static let pollsRemembered = 4

    /// How long a check or poll may stay unanswered before it is asked for again.
    private var requestGuard: Int64 { settings.peerTimeout + settings.monitorInterval }

    /// The state after the transition, and its effects ending with the next wake-up.
    mutating func finish() -> (MonitorState, [MonitorEffect]) {
        effects.append(.wakeUp(at: nextWakeUp()))
        return (state, effects)
    }

    // MARK: - Starting

    /// The daemon starts: record `repmgrd_start` and check at once.
    mutating func started() {
        let details: String
        switch state.role {
        case .primary: details = "monitoring cluster primary \(quoted(selfID))"
        case .standby: details = "monitoring connection to upstream node \(quoted(state.upstreamNodeID))"
        case .witness: details = "witness monitoring connection to primary node \(quoted(state.upstreamNodeID))"
        }
        effects.append(.log(.notice, details))
        effects.append(.recordEvent(MonitorEvent("repmgrd_start", details: details)))
        state.nextCheck = now.advanced(by: settings.monitorInterval)
        periodicChecks()
    }

    // MARK: - Observations

    mutating func apply(_ observation: MonitorObservation) {
        forgetStaleRequests()
        switch observation {
        case .tick: tick()
        case .upstreamReachable(let node): upstreamAnswered(node)
        case .upstreamUnreachable(let node, let detail): upstreamFailed(node, detail: detail)
        case .walReceiverDropped(let detail): walReceiverDropped(detail)
        case .localNodeReachable: localNodeAnswered()
        case .localNodeUnreachable(let detail): localNodeFailed(detail)
        case .localNodeRunsAsPrimary: localNodeRunsAsPrimary()
        case .peersPolled(let localLSN, let views): peersPolled(localLSN: localLSN, views: views)
        case .voteRequested(let request, let localLSN): answerVote(request, localLSN: localLSN)
        case .voteReplied(let reply): countVote(reply)
        case .primaryAnnounced(let node, let term): primaryAnnounced(node, term: term)
        case .candidacyWithdrawn(let node, let term): candidacyWithdrawn(node, term: term)
        case .validationFinished(let success, let detail): validationFinished(success, detail: detail)
        case .promotionFinished(let success, let detail): promotionFinished(success, detail: detail)
        case .followFinished(let node, let success, let detail): followFinished(node, success, detail: detail)
        case .rejoinFinished(let node, let success, let detail): rejoinFinished(node, success, detail: detail)
        case .leaseRequested(let request): answerLease(request)
        case .leaseReplied(let reply): leaseReplied(reply)
        case .leaseReleased(let release): leaseReleased(release)
        case .localServerStopped: localServerStopped()
        case .pause: pause()
        case .unpause: unpause()
        }
        enforceLease()
    }

    /// Forgets checks and polls that went unanswered for too long, so that they are asked again.
    private mutating func forgetStaleRequests() {
        if let asked = state.checkRequestedAt, now.milliseconds(since: asked) >= requestGuard {
            state.checkRequestedAt = nil
        }
        if let asked = state.pollRequestedAt, now.milliseconds(since: asked) >= requestGuard {
            // Asked again from now on; the late answers still count in order, so that only the
            // answer to the newest poll decides an election. Answers lost for good (more than a
            // few outstanding) are given up on.
            state.pollRequestedAt = nil
            if state.pollsPending > Self.pollsRemembered { state.pollsPending = 0 }
        }
    }

    private mutating func tick() {
        switch state.phase {
        case .upstreamLost(_, _, let nextAttempt):
            if now >= nextAttempt, let upstream = state.upstreamNodeID { requestUpstreamCheck(upstream) }
        case .localNodeLost(_, _, let nextAttempt):
            if now >= nextAttempt { requestLocalCheck() }
        case .electing:
            if let deferred = state.electionDeferredUntil, now < deferred { break }
            state.electionDeferredUntil = nil
            if state.pollRequestedAt == nil { requestPoll(force: true) }
        case .requestingVotes(let candidacy):
            if now >= candidacy.deadline {
                let reason = ElectionResult.CancelReason.noQuorum(
                    granted: candidacy.granted.count, voters: candidacy.voters.count)
                giveUp(candidacy, reason: reason)
            }
        case .waitingForNewPrimary(_, let since):
            if now.milliseconds(since: since) >= settings.primaryNotificationTimeout {
                effects.append(.log(.warning, "no new primary announced itself within primary_notification_timeout"))
                enterDegraded(.noNewPrimary)
            }
        case .degraded(let reason, let since, let rerunAt):
            if let limit = settings.degradedMonitoringTimeout, now.milliseconds(since: since) >= limit {
                effects.append(.exitDaemon(reason: "degraded monitoring timeout (\(limit / 1000) seconds) exceeded"))
            }
            if let rerunAt, now >= rerunAt { rerun(after: reason) }
        case .monitoring, .validating, .promoting, .following, .rejoining:
            break
        }
        if now >= state.nextCheck {
            state.nextCheck = now.advanced(by: settings.monitorInterval)
            periodicChecks()
        }
    }

    private mutating func upstreamAnswered(_ node: Int) {
        guard node == state.upstreamNodeID, state.role != .primary else { return }
        state.checkRequestedAt = nil
        let lastSeen = state.upstreamLastSeen
        state.upstreamLastSeen = now
        switch state.phase {
        case .monitoring:
            if settings.monitoringHistory, state.role == .standby, let primary = state.primaryNodeID {
                effects.append(.updateMonitoringHistory(primaryNodeID: primary))
            }
        case .upstreamLost, .electing, .waitingForNewPrimary:
            reconnected(lastSeen: lastSeen)
            if state.role == .witness, let primary = state.primaryNodeID, primary != node, primary != selfID {
                attach(to: primary)
            }
        case .requestingVotes(let candidacy):
            abandon(candidacy, result: .cancelled(.primaryReappeared))
            reconnected(lastSeen: lastSeen)
        case .degraded(let reason, _, _):
            switch reason {
            case .localNodeDown, .superseded, .rejoinFailed: break
            default: reconnected(lastSeen: lastSeen)
            }
        case .localNodeLost, .validating, .promoting, .following, .rejoining:
            break
        }
    }

    private mutating func upstreamFailed(_ node: Int, detail: String) {
        guard node == state.upstreamNodeID, state.role != .primary else { return }
        let answersRetry = state.checkRequestedAt != nil
        state.checkRequestedAt = nil
        switch state.phase {
        case .monitoring:
            let what = state.role == .witness ? "primary" : "upstream"
            let details = "unable to connect to \(what) node \(quoted(node))"
            effects.append(.log(.warning, details + (detail.isEmpty ? "" : ": " + detail)))
            effects.append(.recordEvent(MonitorEvent("repmgrd_upstream_disconnect", details: details)))
            countFailedAttempt(since: now, attempts: 0, local: false)
        case .upstreamLost(let since, let attempts, _):
            if answersRetry { countFailedAttempt(since: since, attempts: attempts, local: false) }
        default:
            break
        }
    }

    private mutating func walReceiverDropped(_ detail: String) {
        guard state.role == .standby, state.phase == .monitoring, let upstream = state.upstreamNodeID else { return }
        effects.append(.log(.info, "WAL receiver stopped (\(detail)): checking upstream node \(quoted(upstream)) now"))
        requestUpstreamCheck(upstream)
    }

    private mutating func localNodeAnswered() {
        state.checkRequestedAt = nil
        let since: MonitorInstant
        switch state.phase {
        case .localNodeLost(let lost, _, _):
            since = lost
        case .degraded(.localNodeDown, let lost, _):
            since = lost
            if state.role == .standby {
                let details = "reconnected to local node \(quoted(selfID)), marking active"
                effects.append(.setNodeActive(nodeID: selfID, active: true))
                effects.append(.recordEvent(MonitorEvent("standby_recovery", details: details)))
            }
        default:
            return
        }
        let details = "reconnected to local node after \(now.milliseconds(since: since) / 1000) seconds"
        effects.append(.log(.notice, details))
        reacquireLease()
        if state.role == .primary {
            effects.append(.recordEvent(MonitorEvent("repmgrd_local_reconnect", details: details)))
        }
        resumeMonitoring()
        state.nextCheck = now
    }

    mutating func localNodeFailed(_ detail: String) {
        let answersRetry = state.checkRequestedAt != nil
        switch state.phase {
        case .localNodeLost(let since, let attempts, _):
            if answersRetry {
                state.checkRequestedAt = nil
                countFailedAttempt(since: since, attempts: attempts, local: true)
            }
            return
        case .degraded(.localNodeDown, _, _):
            state.checkRequestedAt = nil
            return
        case .promoting, .following, .rejoining:
            return
        case .requestingVotes(let candidacy), .validating(let candidacy):
            abandon(candidacy, result: .notCandidate(.localStateUnknown, expectedWinner: nil))
        default:
            break
        }
        state.checkRequestedAt = nil
        effects.append(.log(.warning, "unable to connect to local node" + (detail.isEmpty ? "" : ": " + detail)))
        if state.role == .primary {
            effects.append(
                .recordEvent(MonitorEvent("repmgrd_local_disconnect", details: "unable to connect to local node")))
        }
        countFailedAttempt(since: now, attempts: 0, local: true)
    }

    private mutating func localNodeRunsAsPrimary() {
        guard state.role == .standby else { return }
        switch state.phase {
        case .promoting:
            return
        case .requestingVotes(let candidacy), .validating(let candidacy):
            abandon(candidacy, result: .cancelled(.newPrimaryFound(nodeID: selfID, term: state.term)))
        default:
            break
        }
        let ownVote = state.vote?.candidateID == selfID ? state.vote?.term ?? 0 : 0
        let term = max(context.term, ownVote, state.term)
        let announce = term > state.term
        state.role = .primary
        state.promotedTerm = term
        state.term = term
        state.primaryNodeID = selfID
        state.upstreamNodeID = nil
        state.upstreamLastSeen = nil
        state.lease = PrimaryLease(term: term, graceUntil: now.advanced(by: settings.leaseStartGrace))
        effects.append(
            .log(.warning, "the local server runs as primary (term \(term)): switching to primary monitoring"))
        if announce { effects.append(.announcePrimary(term: term, to: context.otherNodeIDs)) }
        resumeMonitoring()
        state.nextCheck = now
    }

    /// The local server was attached to `node` by an earlier follow (asked for before a newer
    /// one, or before the daemon restarted): that is its upstream now.
    private mutating func localNodeFollows(_ node: Int) {
        guard state.role != .primary, node != selfID, node != state.upstreamNodeID else { return }
        effects.append(.log(.notice, "the local server now replicates from \(label(node))"))
        state.upstreamNodeID = node
        state.upstreamLastSeen = nil
        switch state.phase {
        case .following, .rejoining, .promoting:
            return
        case .requestingVotes(let candidacy), .validating(let candidacy):
            abandon(candidacy, result: .cancelled(.primaryReappeared))
        default:
            break
        }
        resumeMonitoring()
        state.nextCheck = now
    }

    private mutating func peersPolled(localLSN: LSN?, views: [PeerView]) {
        // An answer to an older poll, or one so late that it was given up on (the daemon hung),
        // still tells of newer primaries; an election waits for the answer to its own poll.
        let latest = state.pollsPending == 1
        if latest, let askedAt = state.pollRequestedAt { countVacantVoters(views, askedAt: askedAt) }
        state.pollsPending = max(state.pollsPending - 1, 0)
        if state.pollsPending == 0 { state.pollRequestedAt = nil }
        if let claim = newestClaim(in: views) {
            if state.role == .primary {
                if claim.term > (state.promotedTerm ?? state.term) {
                    stepDown(newPrimary: claim.nodeID, term: claim.term)
                    return
                }
            } else if claim.term > state.term || (claim.term == state.term && claim.nodeID != state.upstreamNodeID) {
                adopt(claim.nodeID, term: claim.term)
            }
        }
        switch state.phase {
        case .electing(let failedPrimary, _):
            if latest { runElection(failedPrimary: failedPrimary, localLSN: localLSN, views: views) }
        case .monitoring where state.role == .primary:
            let term = state.promotedTerm ?? state.term
            let stragglers = self.stragglers(in: views, term: term)
            if !stragglers.isEmpty { effects.append(.announcePrimary(term: term, to: stragglers)) }
        default:
            break
        }
    }

    /// Nodes this primary announces itself to again: daemons that do not know its term, a
    /// witness watching another node, standbys attached to another server running as primary or
    /// cascading from a node in degraded monitoring (a stranded branch).
    private func stragglers(in views: [PeerView], term: Int) -> [Int] {
        let byNode = Dictionary(views.map { ($0.nodeID, $0) }, uniquingKeysWith: { first, _ in first })
        func stranded(_ view: PeerView) -> Bool {
            var current = view
            for _ in views.indices {
                guard let upstream = current.upstreamNodeID, upstream != selfID, let next = byNode[upstream],
                    next.reachable
                else { return false }
                if !next.isWitness && next.inRecovery == false { return true }
                guard next.daemonRunning else { return false }
                if next.isDegraded { return true }
                current = next
            }
            return false
        }
        return views.filter { view in
            guard view.reachable, view.daemonRunning, view.nodeID != selfID else { return false }
            if view.term < term { return true }
            if view.isWitness { return view.upstreamNodeID != selfID }
            return stranded(view)
        }.map(\.nodeID)
    }

    private mutating func primaryAnnounced(_ node: Int, term: Int) {
        guard node != selfID else { return }
        // A primary of the vote's term (or a later one) exists: the vote has done its job and
        // must not hold this node back in the next election.
        if var vote = state.vote, !vote.released, term >= vote.term {
            vote.released = true
            state.vote = vote
            effects.append(.recordVote(vote))
        }
        if state.role == .primary {
            if term > (state.promotedTerm ?? state.term) { stepDown(newPrimary: node, term: term) }
            return
        }
        adopt(node, term: term)
    }

    private mutating func candidacyWithdrawn(_ node: Int, term: Int) {
        unbind(from: node, term: term)
        if var vote = state.vote, vote.candidateID == node, vote.term == term, !vote.released {
            vote.released = true
            state.vote = vote
            effects.append(.recordVote(vote))
        }
        if case .waitingForNewPrimary(let expected, _) = state.phase, expected == node {
            effects.append(.log(.notice, "\(label(node)) gave up its candidacy for term \(term)"))
            enterDegraded(.candidateWithdrew(nodeID: node))
        }
    }

    private mutating func validationFinished(_ success: Bool, detail: String) {
        guard case .validating(let candidacy) = state.phase else { return }
        updateDecision { $0.validationSucceeded = success }
        if success {
            promote(candidacy)
            return
        }
        effects.append(.log(.notice, "failover_validation_command returned a non-zero value: \(detail)"))
        abandon(candidacy, result: .rerun)
        enterDegraded(.validationFailed)
    }

    private mutating func promotionFinished(_ success: Bool, detail: String) {
        guard case .promoting(let candidacy) = state.phase else {
            // A promotion asked for before the daemon restarted has worked after all.
            if success { localNodeRunsAsPrimary() }
            return
        }
        updateDecision { $0.promotionSucceeded = success }
        guard success else {
            effects.append(.log(.error, "promotion failed: \(detail)"))
            effects.append(.recordEvent(MonitorEvent("repmgrd_promote_error", details: detail, successful: false)))
            abandon(candidacy, result: state.lastDecision?.result ?? .won)
            enterDegraded(.promotionFailed)
            return
        }
        let newer = state.term > candidacy.term ? (node: state.primaryNodeID, term: state.term) : nil
        // The own vote is fulfilled: a restart must not make this node wait for it again.
        if var vote = state.vote, vote.candidateID == selfID, !vote.released {
            vote.released = true
            state.vote = vote
            effects.append(.recordVote(vote))
        }
        state.role = .primary
        state.promotedTerm = candidacy.term
        state.upstreamNodeID = nil
        state.upstreamLastSeen = nil
        state.degradedSince = nil
        takeLease(after: candidacy)
        if newer == nil {
            state.term = candidacy.term
            state.primaryNodeID = selfID
        }
        let failed = candidacy.failedPrimary
        let details = "node \(quoted(selfID)) promoted to primary; old primary \(quoted(failed)) marked as failed"
        effects.append(.setNodeActive(nodeID: failed, active: false))
        effects.append(.recordEvent(MonitorEvent("repmgrd_failover_promote", details: details, primaryNodeID: failed)))
        effects.append(.announcePrimary(term: candidacy.term, to: context.otherNodeIDs))
        effects.append(.log(.notice, details + "; switching to primary monitoring mode"))
        state.phase = .monitoring
        state.nextCheck = now
        if let newer, let node = newer.node { stepDown(newPrimary: node, term: newer.term) }
    }

    private mutating func followFinished(_ node: Int, _ success: Bool, detail: String) {
        guard case .following(let target, let term) = state.phase, target == node else {
            // A follow asked for before the daemon restarted has worked after all.
            if success { localNodeFollows(node) }
            return
        }
        guard success else {
            let backoff = FollowBackoff(
                after: state.followBackoff, target: target, interval: settings.monitorInterval, now: now)
            state.followBackoff = backoff
            effects.append(
                .log(
                    .error,
                    "unable to follow \(label(target)): \(detail); next attempt in "
                        + "\(MonitorInstant.durationText(milliseconds: backoff.notBefore.milliseconds(since: now))) "
                        + "(failed \(backoff.failures) times in a row)"))
            effects.append(
                .recordEvent(
                    MonitorEvent(
                        "repmgrd_failover_follow", details: "unable to follow \(label(target)): \(detail)",
                        successful: false, primaryNodeID: target)))
            enterDegraded(.followFailed(target: target))
            return
        }
        state.followBackoff = nil
        state.upstreamNodeID = target
        state.primaryNodeID = target
        state.term = max(state.term, term)
        state.upstreamLastSeen = now
        let details =
            state.role == .witness
            ? "witness node \(quoted(selfID)) now following new primary node \(quoted(target))"
            : "node \(quoted(selfID)) now following new upstream node \(quoted(target))"
        effects.append(.log(.notice, details))
        effects.append(.recordEvent(MonitorEvent("repmgrd_failover_follow", details: details, primaryNodeID: target)))
        resumeMonitoring()
    }

    private mutating func rejoinFinished(_ node: Int, _ success: Bool, detail: String) {
        guard case .rejoining(let target, let term) = state.phase, target == node else { return }
        guard success else {
            effects.append(.log(.error, "unable to rejoin \(label(target)): \(detail)"))
            enterDegraded(.rejoinFailed(target: target))
            return
        }
        state.role = .standby
        state.promotedTerm = nil
        state.lease = nil
        state.upstreamNodeID = target
        state.primaryNodeID = target
        state.term = max(state.term, term)
        state.upstreamLastSeen = now
        effects.append(.log(.notice, "rejoined \(label(target)) as a standby"))
        resumeMonitoring()
    }

    private mutating func pause() {
        state.isPaused = true
        effects.append(.log(.notice, "daemon paused: monitoring continues, no failover"))
        switch state.phase {
        case .electing:
            enterDegraded(.paused)
        case .requestingVotes(let candidacy), .validating(let candidacy):
            abandon(candidacy, result: .cancelled(.paused))
            enterDegraded(.paused)
        default:
            break
        }
    }

    private mutating func unpause() {
        state.isPaused = false
        effects.append(.log(.notice, "daemon unpaused"))
        if case .degraded(.paused, _, _) = state.phase { decideAfterLoss() }
    }

    // MARK: - Losing the upstream or the local node

    /// One more failed check since `since` (`attempts` failed before): retry after
    /// `reconnect_interval`, or decide once `reconnect_attempts` checks have failed.
    private mutating func countFailedAttempt(since: MonitorInstant, attempts: Int, local: Bool) {
        let made = attempts + 1
        guard made >= settings.reconnectAttempts else {
            let due = since.advanced(by: settings.reconnectInterval * Int64(made))
            let next = max(due, now)
            state.phase =
                local
                ? .localNodeLost(since: since, attempts: made, nextAttempt: next)
                : .upstreamLost(since: since, attempts: made, nextAttempt: next)
            return
        }
        if local {
            effects.append(.log(.notice, "unable to connect to local node, falling back to degraded monitoring"))
            if state.role == .standby {
                let details = "unable to connect to local node \(quoted(selfID)), marking inactive"
                effects.append(.setNodeActive(nodeID: selfID, active: false))
                effects.append(.recordEvent(MonitorEvent("standby_failure", details: details, successful: false)))
            }
            enterDegraded(.localNodeDown)
            return
        }
        effects.append(
            .log(.warning, "unable to reconnect to node \(quoted(state.upstreamNodeID)) after \(made) attempts"))
        decideAfterLoss()
    }

    /// The upstream is gone for good (or again, at a rerun): decide what this node does about it.
    private mutating func decideAfterLoss() {
        guard state.role != .primary, let upstream = state.upstreamNodeID else { return }
        if state.role == .witness {
            if let primary = state.primaryNodeID, primary != upstream, primary != selfID, !state.isPaused {
                attach(to: primary)
            } else {
                state.phase = .waitingForNewPrimary(expected: nil, since: now)
                requestPoll(force: true)
            }
            return
        }
        if state.isPaused {
            recordDecision(briefExplanation(failed: upstream, result: .cancelled(.paused)))
            enterDegraded(.paused)
            return
        }
        if settings.failover == .manual {
            let details = "unable to connect to upstream node \(quoted(upstream)) and failover=manual"
            effects.append(.recordEvent(MonitorEvent("standby_disconnect_manual", details: details)))
            recordDecision(
                briefExplanation(failed: upstream, result: .notCandidate(.manualFailover, expectedWinner: nil)))
            enterDegraded(.manualFailover)
            return
        }
        if let primary = state.primaryNodeID, primary != upstream, primary != selfID {
            attach(to: primary)
            return
        }
        state.phase = .electing(failedPrimary: upstream, since: now)
        requestPoll(force: true)
    }

    /// The upstream is gone but the primary is known (a cascaded standby, or a newer primary
    /// already announced): follow the primary.
    private mutating func attach(to primary: Int) {
        if let upstream = state.upstreamNodeID {
            effects.append(.log(.notice, "upstream \(label(upstream)) is gone: attaching to primary \(label(primary))"))
        }
        effects.append(.follow(nodeID: primary))
        state.phase = .following(target: primary, term: state.term)
    }

    private mutating func reconnected(lastSeen: MonitorInstant?) {
        guard let upstream = state.upstreamNodeID else { return }
        let seconds = lastSeen.map { " after \(now.milliseconds(since: $0) / 1000) seconds" } ?? ""
        let details = "reconnected to upstream node \(quoted(upstream))\(seconds)"
        effects.append(.log(.notice, details))
        effects.append(.recordEvent(MonitorEvent("repmgrd_upstream_reconnect", details: details)))
        resumeMonitoring()
    }

    mutating func resumeMonitoring() {
        state.phase = .monitoring
        state.degradedSince = nil
        state.nextCheck = now.advanced(by: settings.monitorInterval)
    }

    mutating func enterDegraded(_ reason: DegradedReason) {
        let since = state.degradedSince ?? now
        state.degradedSince = since
        let rerunAt = reason.retriesElection ? now.advanced(by: settings.electionRerunInterval) : nil
        state.phase = .degraded(reason, since: since, rerunAt: rerunAt)
    }

    private mutating func rerun(after reason: DegradedReason) {
        if case .rejoinFailed(let target) = reason {
            let newPrimary = state.primaryNodeID ?? target
            effects.append(.rejoin(nodeID: newPrimary))
            state.phase = .rejoining(target: newPrimary, term: state.term)
            return
        }
        decideAfterLoss()
    }

    // MARK: - The election

    private mutating func runElection(failedPrimary: Int, localLSN: LSN?, views: [PeerView]) {
        let term = max(state.term, state.vote?.term ?? 0) + 1
        let input = ElectionInput(
            nodeID: selfID, settings: settings, localLSN: localLSN, failedPrimaryID: failedPrimary,
            nodes: context.nodes, views: views, term: term, knownTerm: state.term, isPaused: state.isPaused,
            pendingVote: pendingVote(), decidedAt: now)
        var explanation = CandidateElection.decide(input)
        effects.append(.log(.notice, "election for term \(term): \(explanation.summary)"))
        switch explanation.result {
        case .won:
            if let grant = bindingGrant(against: selfID) {
                // Invariant: no vote for itself while this node's promise to the old primary binds.
                explanation.result = .cancelled(.leaseBinding(holderID: grant.holderID, term: grant.term))
                recordDecision(explanation)
                let whom = grant.holderID.map { label($0) } ?? "the primary (before this daemon started)"
                effects.append(
                    .log(
                        .notice,
                        "this node granted \(whom) the lease of term \(grant.term): electing again in "
                            + "\(bindsFor(grant)), when it has expired"))
                state.electionDeferredUntil = grant.expiresAt
                return
            }
            var voters = CandidateElection.voters(replacing: failedPrimary, in: context.nodes)
            if !voters.contains(selfID) { voters = (voters + [selfID]).sorted() }
            let vote = VoteRecord(term: term, candidateID: selfID, grantedAt: now)
            state.vote = vote
            effects.append(.recordVote(vote))
            bindToCandidate(selfID, term: term)
            var candidacy = Candidacy(
                term: term, failedPrimary: failedPrimary, voters: voters, selfID: selfID,
                deadline: now.advanced(by: settings.peerTimeout))
            candidacy.requestedAt = now
            explanation.voters = voters
            explanation.votesGranted = candidacy.granted
            recordDecision(explanation)
            let others = voters.filter { $0 != selfID }
            if !others.isEmpty {
                let request = VoteRequest(
                    term: term, candidateID: selfID, failedPrimaryID: failedPrimary, primaryTerm: state.term,
                    receivedLSN: localLSN ?? .zero, priority: settings.priority)
                effects.append(.requestVotes(request, voters: others))
            }
            decideOnVotes(candidacy)
        case .lost(let winner):
            recordDecision(explanation)
            state.phase = .waitingForNewPrimary(expected: winner, since: now)
        case .notCandidate(.manualFailover, _):
            recordDecision(explanation)
            enterDegraded(.manualFailover)
        case .notCandidate(_, let expected):
            recordDecision(explanation)
            state.phase = .waitingForNewPrimary(expected: expected, since: now)
        case .cancelled(.newPrimaryFound(let node, let newTerm)):
            recordDecision(explanation)
            adopt(node, term: newTerm)
        case .cancelled(.paused):
            recordDecision(explanation)
            enterDegraded(.paused)
        case .cancelled(let reason):
            recordDecision(explanation)
            enterDegraded(.electionCancelled(reason))
        case .rerun:
            recordDecision(explanation)
            enterDegraded(.validationFailed)
        }
    }

    private mutating func countVote(_ reply: VoteReply) {
        if state.role != .primary, reply.knownTerm > state.term, let primary = reply.knownPrimaryID {
            adopt(primary, term: reply.knownTerm)
        }
        guard case .requestingVotes(var candidacy) = state.phase, reply.term == candidacy.term,
            now < candidacy.deadline,
            candidacy.voters.contains(reply.voterID), !candidacy.granted.contains(reply.voterID),
            !candidacy.refused.contains(reply.voterID)
        else { return }
        if reply.granted {
            candidacy.granted.append(reply.voterID)
        } else {
            candidacy.refused.append(reply.voterID)
            if let binds = reply.leaseBindsFor {
                let until = now.advanced(by: binds)
                state.electionDeferredUntil = max(state.electionDeferredUntil ?? until, until)
            }
            updateDecision {
                $0.refusals.append(FailoverExplanation.Refusal(nodeID: reply.voterID, reason: reply.reason))
            }
        }
        updateDecision { $0.votesGranted = candidacy.granted }
        decideOnVotes(candidacy)
    }

    private mutating func decideOnVotes(_ candidacy: Candidacy) {
        if candidacy.hasQuorum {
            recordLatestDecision()
            guard settings.hasValidationCommand else {
                promote(candidacy)
                return
            }
            let decision = state.lastDecision
            state.phase = .validating(candidacy)
            effects.append(
                .runValidationCommand(
                    ValidationFacts(
                        nodeID: selfID, nodeName: context.localNode?.nodeName ?? "node\(selfID)",
                        visibleNodes: decision?.visibleNodes ?? 1,
                        sharedUpstreamNodes: decision?.sharedUpstreamNodes ?? 1,
                        totalNodes: context.nodes.count)))
        } else if candidacy.cannotWin {
            let reason = ElectionResult.CancelReason.noQuorum(
                granted: candidacy.granted.count, voters: candidacy.voters.count)
            giveUp(candidacy, reason: reason)
        } else {
            state.phase = .requestingVotes(candidacy)
        }
    }

    /// The candidacy cannot win: when voters refused only because their lease grant to the old
    /// primary still binds, elect again once it has expired; otherwise degraded monitoring.
    private mutating func giveUp(_ candidacy: Candidacy, reason: ElectionResult.CancelReason) {
        abandon(candidacy, result: .cancelled(reason))
        if let deferred = state.electionDeferredUntil, deferred > now {
            effects.append(.log(.notice, "voters are still bound by the old primary's lease: electing again then"))
            state.phase = .electing(failedPrimary: candidacy.failedPrimary, since: now)
            return
        }
        state.electionDeferredUntil = nil
        enterDegraded(.electionCancelled(reason))
    }

    private mutating func promote(_ candidacy: Candidacy) {
        effects.append(.log(.notice, "this node is the winner of term \(candidacy.term), will now promote itself"))
        effects.append(.promote(term: candidacy.term))
        state.phase = .promoting(candidacy)
    }

    /// Gives up `candidacy`: tells the voters, releases them, records why.
    mutating func abandon(_ candidacy: Candidacy, result: ElectionResult) {
        let others = candidacy.voters.filter { $0 != selfID }
        if !others.isEmpty { effects.append(.withdrawCandidacy(term: candidacy.term, voters: others)) }
        if var vote = state.vote, vote.candidateID == selfID, vote.term == candidacy.term {
            vote.released = true
            state.vote = vote
            effects.append(.recordVote(vote))
        }
        unbind(from: selfID, term: candidacy.term)
        updateDecision { $0.result = result }
        recordLatestDecision()
    }

    // MARK: - Votes given to others

    /// A message names `node` as the primary of `term`: a primary of an older term steps down,
    /// any other node follows the newer primary.
    mutating func learnPrimary(_ node: Int, term: Int) {
        if state.role == .primary {
            if term > (state.promotedTerm ?? state.term) { stepDown(newPrimary: node, term: term) }
        } else if term > state.term {
            adopt(node, term: term)
        }
    }

    private mutating func answerVote(_ request: VoteRequest, localLSN: LSN?) {
        guard request.candidateID != selfID else { return }
        learnPrimary(request.failedPrimaryID, term: request.primaryTerm)
        let binding = bindingGrant(against: request.candidateID)
        let refusal =
            voteRefusal(request, localLSN: localLSN)
            ?? binding.map { grant in
                guard let holder = grant.holderID else {
                    return "this daemon started recently and may have granted the primary's lease before: it backs "
                        + "no candidate for another " + bindsFor(grant)
                }
                return "this node granted \(label(holder)) the lease of term \(grant.term), binding for another "
                    + bindsFor(grant)
            }
        if refusal == nil { bindToCandidate(request.candidateID, term: request.term) }
        if refusal == nil, state.vote?.term != request.term || state.vote?.candidateID != request.candidateID {
            let vote = VoteRecord(term: request.term, candidateID: request.candidateID, grantedAt: now)
            state.vote = vote
            effects.append(.recordVote(vote))
            if case .requestingVotes(let candidacy) = state.phase {
                abandon(candidacy, result: .lost(winner: request.candidateID))
                state.phase = .waitingForNewPrimary(expected: request.candidateID, since: now)
            }
        }
        let reply = VoteReply(
            term: request.term, voterID: selfID, granted: refusal == nil, reason: refusal ?? "granted",
            knownTerm: state.reportedTerm, knownPrimaryID: state.reportedPrimary(nodeID: selfID),
            leaseBindsFor: binding.map { $0.expiresAt.milliseconds(since: now) })
        effects.append(.sendVoteReply(reply, to: request.candidateID))
    }

    /// Why this node refuses `request`, or nil to grant it.
    private func voteRefusal(_ request: VoteRequest, localLSN: LSN?) -> String? {
        if state.role == .primary, state.phase == .monitoring {
            return "this node is running as primary (term \(state.reportedTerm))"
        }
        switch state.phase {
        case .validating(let candidacy), .promoting(let candidacy):
            return "this node is being promoted in term \(candidacy.term)"
        default:
            break
        }
        if request.term <= state.term {
            return "term \(request.term) is not newer than term \(state.term) of primary \(label(state.primaryNodeID))"
        }
        if let vote = state.vote {
            if vote.term > request.term { return "already voted in the newer term \(vote.term)" }
            if vote.term == request.term {
                return vote.candidateID == request.candidateID
                    ? nil : "already voted for \(label(vote.candidateID)) in term \(vote.term)"
            }
        }
        if let vote = pendingVote(), vote.candidateID != request.candidateID {
            return "waiting for \(label(vote.candidateID)), which this node voted for in term \(vote.term)"
        }
        if let primary = state.primaryNodeID, primary != request.failedPrimaryID {
            return "\(label(request.failedPrimaryID)) is not the current primary; \(label(primary)) is"
        }
        if settings.primaryVisibilityConsensus, state.upstreamNodeID == request.failedPrimaryID, state.seesUpstream,
            let seen = state.upstreamLastSeen, now.milliseconds(since: seen) < settings.primaryVisibilityWindow
        {
            return "this node still sees the primary"
        }
        if competes(replacing: request.failedPrimaryID), let localLSN,
            CandidateElection.ranksBefore(
                lsn: localLSN, priority: settings.priority, nodeID: selfID, lsn: request.receivedLSN,
                priority: request.priority, nodeID: request.candidateID)
        {
            return "this node ranks higher (LSN \(localLSN), priority \(settings.priority))"
        }
        return nil
    }

    /// Whether this node could itself be promoted in place of `failedPrimary`.
    private func competes(replacing failedPrimary: Int) -> Bool {
        guard state.role == .standby, settings.isPromotionCandidate, !state.isPaused,
            state.upstreamNodeID == failedPrimary
        else { return false }
        switch state.phase {
        case .localNodeLost, .degraded(.localNodeDown, _, _): return false
        default: return true
        }
    }

    /// A vote still waited on (`primary_notification_timeout`): one for another candidate, or
    /// this node's own from before a restart, whose promotion may still be under way.
    private func pendingVote() -> VoteRecord? {
        guard let vote = state.vote, !vote.released,
            now.milliseconds(since: vote.grantedAt) < settings.primaryNotificationTimeout
        else { return nil }
        if vote.candidateID == selfID {
            switch state.phase {
            case .requestingVotes, .validating, .promoting: return nil
            default: break
            }
        }
        return vote
    }

    // MARK: - New primaries

    /// Another node is primary of `term`: follow it when this node should.
    mutating func adopt(_ newPrimary: Int, term: Int) {
        let known = term == state.term && newPrimary == state.primaryNodeID && newPrimary != state.upstreamNodeID
        guard newPrimary != selfID, term > state.term || known else { return }
        if case .following(let target, let following) = state.phase, target == newPrimary, following >= term { return }
        if case .promoting = state.phase {
            state.term = term
            state.primaryNodeID = newPrimary
            return
        }
        let formerPrimary = state.primaryNodeID
        state.term = term
        state.primaryNodeID = newPrimary
        if settings.failover == .manual || state.isPaused {
            let why = state.isPaused ? "the daemon is paused" : "failover=manual"
            effects.append(.log(.notice, "\(label(newPrimary)) is primary of term \(term); not following it: \(why)"))
            return
        }
        if state.upstreamNodeID == newPrimary, state.phase == .monitoring { return }
        // A standby cascading from a healthy standby stays where it is when it first hears of
        // the new term; a primary repeating itself to a node means it is attached to the wrong node.
        if state.phase == .monitoring, state.role == .standby, !known, state.upstreamNodeID != formerPrimary { return }
        switch state.phase {
        case .requestingVotes(let candidacy), .validating(let candidacy):
            abandon(candidacy, result: .cancelled(.newPrimaryFound(nodeID: newPrimary, term: term)))
        case .localNodeLost, .degraded(.localNodeDown, _, _):
            return
        default:
            break
        }
        // The failure that set the backoff said when the next attempt is; polls meanwhile wait for it.
        if state.followBackoff?.defers(newPrimary, at: now) == true { return }
        effects.append(.log(.notice, "attempting to follow new primary \(label(newPrimary)) (term \(term))"))
        effects.append(.follow(nodeID: newPrimary))
        state.phase = .following(target: newPrimary, term: term)
    }

    /// This primary learnt that `newPrimary` was promoted in the newer `term`: fence, then rejoin
    /// (`auto_rejoin`) or wait for an operator.
    mutating func stepDown(newPrimary: Int, term: Int) {
        guard state.role == .primary else { return }
        switch state.phase {
        case .rejoining(let target, let rejoinTerm) where target == newPrimary && rejoinTerm == term: return
        case .degraded(.superseded(let target, let supersededTerm), _, _)
        where target == newPrimary && supersededTerm == term:
            return
        default: break
        }
        state.term = max(state.term, term)
        state.primaryNodeID = newPrimary
        effects.append(
            .log(
                .warning,
                "\(label(newPrimary)) was promoted in term \(term), this node in term \(state.promotedTerm ?? 0): "
                    + "fencing this node"))
        effects.append(.fenceLocalNode(newPrimary: newPrimary, term: term))
        if settings.autoRejoin {
            effects.append(.rejoin(nodeID: newPrimary))
            state.phase = .rejoining(target: newPrimary, term: term)
        } else {
            enterDegraded(.superseded(newPrimary: newPrimary, term: term))
        }
    }

    /// The newest (term, primary) any view tells of, a primary's own word first; never this node.
    private func newestClaim(in views: [PeerView]) -> (term: Int, nodeID: Int)? {
        var best: (term: Int, nodeID: Int, direct: Bool)?
        for view in views {
            guard let claim = view.primaryClaim, claim.nodeID != selfID else { continue }
            let direct = claim.nodeID == view.nodeID
            if let current = best, current.term > claim.term || (current.term == claim.term && current.direct) {
                continue
            }
            best = (claim.term, claim.nodeID, direct)
        }
        return best.map { ($0.term, $0.nodeID) }
    }

    // MARK: - Checks and polls

    private mutating func periodicChecks() {
        switch state.phase {
        case .monitoring:
            if state.role == .primary {
                requestLocalCheck()
                requestPoll(force: false)
                renewLease()
            } else if let upstream = state.upstreamNodeID {
                requestUpstreamCheck(upstream)
            }
        case .waitingForNewPrimary:
            if let upstream = state.upstreamNodeID { requestUpstreamCheck(upstream) }
            requestPoll(force: false)
        case .degraded(let reason, _, _):
            switch reason {
            case .localNodeDown:
                requestLocalCheck()
                // A primary whose server is down still learns of a newer primary, so that its
                // data directory can be fenced before anyone starts the server again.
                if state.role == .primary {
                    requestPoll(force: false)
                    renewLease()
                }
            case .superseded, .rejoinFailed:
                requestPoll(force: false)
            case .leaseLost:
                requestPoll(force: false)
                renewLease()
            case .paused, .manualFailover:
                if let upstream = state.upstreamNodeID { requestUpstreamCheck(upstream) }
            case .electionCancelled, .validationFailed, .promotionFailed, .followFailed, .noNewPrimary,
                .candidateWithdrew:
                if let upstream = state.upstreamNodeID { requestUpstreamCheck(upstream) }
                requestPoll(force: false)
            }
        case .electing:
            // An election waiting for a lease to expire keeps checking: the primary may be back.
            if state.electionDeferredUntil != nil, let upstream = state.upstreamNodeID {
                requestUpstreamCheck(upstream)
            }
        case .upstreamLost, .localNodeLost, .requestingVotes, .validating, .promoting, .following, .rejoining:
            break
        }
    }

    mutating func requestUpstreamCheck(_ node: Int) {
        guard state.checkRequestedAt == nil else { return }
        state.checkRequestedAt = now
        effects.append(.checkUpstream(nodeID: node))
    }

    private mutating func requestLocalCheck() {
        guard state.checkRequestedAt == nil else { return }
        state.checkRequestedAt = now
        effects.append(.checkLocalNode)
    }

    mutating func requestPoll(force: Bool) {
        guard force || state.pollRequestedAt == nil else { return }
        var bestEffort: [Int] = []
        if case .electing(let failedPrimary, _) = state.phase {
            // This daemon has just found the failed primary unreachable: waiting for it again, when
            // it is cut off, would hold the election up for a connect timeout or two.
            bestEffort = [failedPrimary]
        }
        state.pollRequestedAt = now
        state.pollsPending += 1
        effects.append(.pollPeers(nodeIDs: context.otherNodeIDs, bestEffort: bestEffort))
    }

    private func nextWakeUp() -> MonitorInstant {
        var wake = state.nextCheck
        func consider(_ instant: MonitorInstant) { wake = min(wake, instant) }
        if let asked = state.checkRequestedAt { consider(asked.advanced(by: requestGuard)) }
        if let asked = state.pollRequestedAt { consider(asked.advanced(by: requestGuard)) }
        switch state.phase {
        case .upstreamLost(_, _, let next), .localNodeLost(_, _, let next):
            if state.checkRequestedAt == nil { consider(next) }
        case .requestingVotes(let candidacy):
            consider(candidacy.deadline)
        case .waitingForNewPrimary(_, let since):
            consider(since.advanced(by: settings.primaryNotificationTimeout))
        case .degraded(_, let since, let rerunAt):
            if let rerunAt { consider(rerunAt) }
            if let limit = settings.degradedMonitoringTimeout, since.advanced(by: limit) > now {
                consider(since.advanced(by: limit))
            }
        case .electing:
            if let deferred = state.electionDeferredUntil { consider(deferred) }
        case .monitoring, .validating, .promoting, .following, .rejoining:
            break
        }
        if let deadline = leaseFenceDeadline { consider(deadline) }
        return max(wake, now)
    }

    // MARK: - Decisions and words

    mutating func recordDecision(_ explanation: FailoverExplanation) {
        state.lastDecision = explanation
        effects.append(.recordDecision(explanation))
    }

    private mutating func recordLatestDecision() {
        if let decision = state.lastDecision { effects.append(.recordDecision(decision)) }
    }

    mutating func updateDecision(_ change: (inout FailoverExplanation) -> Void) {
        guard var decision = state.lastDecision else { return }
        change(&decision)
        state.lastDecision = decision
    }

    /// A decision taken before any peer was asked (paused, `failover=manual`).
    private func briefExplanation(failed: Int, result: ElectionResult) -> FailoverExplanation {
        FailoverExplanation(
            nodeID: selfID, nodeLabel: label(selfID), decidedAt: now, failedPrimaryID: failed,
            failedPrimaryLabel: label(failed), primaryLocation: context.node(failed)?.location ?? "default",
            term: state.term + 1, nodes: [], visibleNodes: 1, sharedUpstreamNodes: 1, totalNodes: context.nodes.count,
            labels: Dictionary(context.nodes.map { ($0.nodeID, $0.label) }, uniquingKeysWith: { first, _ in first }),
            primaryLocationVisible: false, nodesSeeingPrimary: [], visibilityWindow: settings.primaryVisibilityWindow,
            consensusRequired: settings.primaryVisibilityConsensus, ranking: [], result: result)
    }

    func label(_ node: Int?) -> String {
        guard let node else { return "no node" }
        return context.label(node)
    }

    /// `"node2" (ID: 2)`, the way repmgr's event details name a node after the word "node".
    func quoted(_ node: Int?) -> String {
        guard let node else { return "(none)" }
        guard let record = context.node(node) else { return "(ID: \(node))" }
        return "\"\(record.nodeName)\" (ID: \(node))"
    }
}
