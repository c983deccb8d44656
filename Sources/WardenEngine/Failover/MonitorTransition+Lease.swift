/// The primary lease in the failover monitor: the holder's renewals and self-fencing, the voters'
/// grants and promises, and the release that frees them when the holder's server stopped. The
/// argument for why this keeps at most one writable primary is written at ``PrimaryLease``.
extension MonitorTransition {
    /// The voters of this node's lease: the nodes that would elect its replacement.
    var leaseVoters: [Int] { CandidateElection.voters(replacing: selfID, in: context.nodes) }

    // MARK: - The holder

    /// Sends the next round of lease requests (a primary in normal monitoring, once per interval).
    /// A primary whose server does not answer sends none: its lease then runs out and it fences,
    /// so that a hung server never keeps the standbys from electing. One that fenced itself goes
    /// on asking: when enough voters grant again, nobody else was promoted and it resumes.
    mutating func renewLease() {
        guard state.role == .primary, var lease = state.lease, !lease.released, !isSuperseded else { return }
        if !lease.lost, state.phase != .monitoring { return }
        let voters = leaseVoters
        guard !voters.isEmpty else {
            // Nobody is left who could elect a replacement (the primary it replaced has been marked
            // failed since it fenced): the lease binds no one, and the server may take writes.
            if lease.lost { regainLease(reason: "no other node can elect a primary any more") }
            return
        }
        var request = lease.nextRequest(holderID: selfID, at: now)
        if lease.lost { request.afterFence = true }
        state.lease = lease
        effects.append(.requestLease(request, voters: voters))
    }

    mutating func leaseReplied(_ reply: LeaseReply) {
        guard state.role == .primary, var lease = state.lease, reply.request.holderID == selfID,
            reply.request.term == lease.term
        else { return }
        if reply.granted {
            lease.grant(by: reply.voterID, sequence: reply.request.sequence)
            state.lease = lease
            if lease.lost, let until = lease.majorityValidUntil(voters: leaseVoters, settings: settings),
                until.advanced(by: -settings.leaseFenceLead) > now
            {
                regainLease(reason: "enough voters granted the lease of term \(lease.term) again")
            }
        } else if reply.knownTerm > lease.term, let primary = reply.knownPrimaryID, primary != selfID {
            stepDown(newPrimary: primary, term: reply.knownTerm)
        }
    }

    /// Counts the voters whose server answered a poll and whose daemon holds no report (see
    /// ``PeerView/reportMissing``) as bound from the moment the poll was asked for.
    mutating func countVacantVoters(_ views: [PeerView], askedAt: MonitorInstant) {
        guard state.role == .primary, var lease = state.lease else { return }
        let voters = Set(leaseVoters)
        for view in views where voters.contains(view.nodeID) && view.reachable && view.reportMissing == true {
            lease.bind(view.nodeID, from: askedAt)
        }
        state.lease = lease
    }

    /// Whether this former primary learnt that another node replaced it (it rejoins or waits for an operator).
    private var isSuperseded: Bool {
        switch state.phase {
        case .rejoining, .degraded(.superseded, _, _), .degraded(.rejoinFailed, _, _): true
        default: false
        }
    }

    /// Whether the lease still binds this primary to fence itself in time (it believes it is
    /// the primary: not superseded, not rejoining, not already fenced or released).
    private var enforcesLease: Bool {
        guard state.role == .primary, let lease = state.lease, !lease.released, !lease.lost else { return false }
        return !isSuperseded
    }

    /// When this primary must fence itself, if it holds a lease that binds it.
    var leaseFenceDeadline: MonitorInstant? {
        guard enforcesLease else { return nil }
        return state.lease?.fenceDeadline(voters: leaseVoters, settings: settings)
    }

    /// Invariant kept here: a primary whose lease is about to run out stops its server before any
    /// voter is free to elect another (``FailoverSettings/leaseFenceLead`` ahead of the lease's end).
    /// Called after every observation, and the next wake-up is never later than the deadline.
    mutating func enforceLease() {
        guard let deadline = leaseFenceDeadline, now >= deadline, var lease = state.lease else { return }
        let voters = leaseVoters
        let renewedAt = lease.majorityValidUntil(voters: voters, settings: settings)?.advanced(
            by: -settings.leaseSafeDuration)
        let reached = voters.filter { voter in lease.grantedAt[voter].map { $0 > (renewedAt ?? $0) } ?? false }
        lease.lost = true
        state.lease = lease
        let since = renewedAt.map { "the last renewal a majority granted, \(seconds(now.milliseconds(since: $0))) ago" }
        let reason =
            "lease of term \(lease.term) lost: reached \(reached.count) of \(voters.count) voters since "
            + (since ?? "this daemon started") + " (\(PrimaryLease.grantsNeeded(voters: voters.count)) needed); "
            + "stopping this node's server before the lease expires"
        effects.append(.log(.error, reason))
        effects.append(.recordEvent(MonitorEvent("repmgrd_lease_lost", details: reason, successful: false)))
        effects.append(.isolateLocalServer(reason: reason))
        enterDegraded(.leaseLost(granted: reached.count, voters: voters.count))
    }

    /// A primary that fenced itself holds its lease again: the voters it needs granted a request
    /// it sent after the fence, so none of them can have backed another candidate since (the
    /// same argument as for any renewal), or no voter is left. It starts its server again and
    /// monitors as before.
    private mutating func regainLease(reason cause: String) {
        guard state.role == .primary, !isSuperseded, var lease = state.lease, lease.lost else { return }
        lease.lost = false
        state.lease = lease
        let reason = "\(cause): starting this node's server again"
        effects.append(.log(.notice, reason))
        effects.append(.recordEvent(MonitorEvent("repmgrd_lease_regained", details: reason)))
        effects.append(.resumeLocalServer(reason: reason))
        resumeMonitoring()
        state.nextCheck = now
    }

    /// A daemon that starts where its predecessor fenced the server for lease `term`: the lease
    /// is lost until enough voters grant it again.
    mutating func startFenced(term: Int) {
        var lease = PrimaryLease(term: term, graceUntil: now)
        lease.lost = true
        state.lease = lease
        effects.append(
            .log(
                .warning,
                "this node fenced itself when its lease of term \(term) ran out: asking the voters for it again"))
        enterDegraded(.leaseLost(granted: 0, voters: leaseVoters.count))
        renewLease()
    }

    /// The local server's postmaster is gone: release the lease, so the voters need not wait it out.
    mutating func localServerStopped() {
        guard state.role == .primary, var lease = state.lease, !lease.released, !lease.lost else { return }
        lease.released = true
        state.lease = lease
        effects.append(.log(.warning, "the local server stopped: releasing the lease of term \(lease.term)"))
        effects.append(
            .releaseLease(
                LeaseRelease(holderID: selfID, term: lease.term, sequence: lease.sequence), voters: leaseVoters))
        if state.phase == .monitoring { localNodeFailed("the server is not running") }
    }

    /// A primary whose server came back after it released or lost the lease holds none: it asks
    /// again at once, and fences unless a majority grants within one peer timeout.
    mutating func reacquireLease() {
        guard state.role == .primary, let lease = state.lease, lease.released else { return }
        var renewed = PrimaryLease(term: lease.term, graceUntil: now.advanced(by: settings.peerTimeout))
        // Numbered after the released requests: a voter that hears of the release late keeps these.
        renewed.sequence = lease.sequence
        state.lease = renewed
        effects.append(
            .log(.notice, "the local server runs again: asking the voters for the lease of term \(lease.term)"))
    }

    /// The lease of a node promoted now. Every vote it won was also a grant, from the moment the
    /// vote requests were sent, and a majority of the election's voters (itself included) voted:
    /// any later election replacing it needs one of them, bound until a lease after its vote. So
    /// the lease holds until then, while the first renewals reach the voters.
    mutating func takeLease(after candidacy: Candidacy) {
        let requestedAt = candidacy.requestedAt ?? now
        var lease = PrimaryLease(term: candidacy.term, graceUntil: requestedAt.advanced(by: settings.leaseSafeDuration))
        for voter in candidacy.granted where voter != selfID { lease.bind(voter, from: requestedAt) }
        state.lease = lease
        state.leaseGrant = nil
        state.releasedLease = nil
        state.electionDeferredUntil = nil
    }

    // MARK: - The voters

    mutating func answerLease(_ request: LeaseRequest) {
        guard request.holderID != selfID else { return }
        learnPrimary(request.holderID, term: request.term)
        // The primary this node is about to replace asks for its lease: it may well be back.
        if case .electing(let failed, _) = state.phase, failed == request.holderID, let upstream = state.upstreamNodeID
        {
            requestUpstreamCheck(upstream)
        }
        let refusal = leaseRefusal(request)
        if refusal == nil {
            // A grant after a release binds again: the release was of the holder's earlier lease.
            if state.releasedLease?.holderID == request.holderID { state.releasedLease = nil }
            let expires = now.advanced(by: settings.leaseDuration)
            let longer = state.leaseGrant.flatMap { $0.binds(at: now) && $0.expiresAt > expires ? $0.expiresAt : nil }
            state.leaseGrant = LeaseGrant(
                holderID: request.holderID, term: request.term, expiresAt: longer ?? expires, sequence: request.sequence
            )
        }
        let reply = LeaseReply(
            voterID: selfID, request: request, granted: refusal == nil, reason: refusal ?? "granted",
            knownTerm: state.reportedTerm, knownPrimaryID: state.reportedPrimary(nodeID: selfID))
        effects.append(.sendLeaseReply(reply, to: request.holderID))
    }

    /// Why this node refuses to grant `request`, or nil to grant it.
    private func leaseRefusal(_ request: LeaseRequest) -> String? {
        if state.role == .primary, enforcesLease {
            return "this node is running as primary (term \(state.reportedTerm))"
        }
        // A primary that fenced itself asks again; a node busy replacing it must not be bound by
        // that, or a hung primary's daemon would keep its standbys from ever electing.
        if request.afterFence == true {
            switch state.phase {
            case .electing, .requestingVotes, .validating, .promoting, .waitingForNewPrimary:
                return "this node is electing a new primary"
            default: break
            }
        }
        if request.term < state.term {
            return "term \(request.term) is older than term \(state.term) of primary \(label(state.primaryNodeID))"
        }
        if let vote = state.vote, vote.term > request.term, !vote.released {
            return "this node voted for \(label(vote.candidateID)) in the newer term \(vote.term)"
        }
        if let release = state.releasedLease, release.holderID == request.holderID, release.term == request.term,
            request.sequence <= release.sequence, let heard = state.releaseHeardAt,
            now.milliseconds(since: heard) < settings.leaseDuration
        {
            return "\(label(request.holderID)) released this lease (its server stopped)"
        }
        if request.term == state.term, let primary = state.primaryNodeID, primary != request.holderID {
            return "\(label(primary)) is the primary of term \(state.term)"
        }
        if let grant = state.leaseGrant, grant.binds(at: now), let holder = grant.holderID,
            holder != request.holderID, grant.term >= request.term
        {
            return "this node is bound to \(label(holder)) (term \(grant.term)) for another \(bindsFor(grant))"
        }
        return nil
    }

    /// The promise that keeps this node from backing `candidate` now, if any.
    func bindingGrant(against candidate: Int) -> LeaseGrant? {
        guard let grant = state.leaseGrant, grant.binds(at: now), grant.holderID != candidate else { return nil }
        if let release = state.releasedLease, grant.isReleased(by: release) { return nil }
        return grant
    }

    /// A vote is a lease grant to the candidate: the voter backs nobody else for a lease duration.
    mutating func bindToCandidate(_ candidate: Int, term: Int) {
        state.leaseGrant = LeaseGrant(
            holderID: candidate, term: term, expiresAt: now.advanced(by: settings.leaseDuration))
    }

    /// Frees this node from its promise to `candidate` of `term` (the candidacy was given up).
    mutating func unbind(from candidate: Int, term: Int) {
        if let grant = state.leaseGrant, grant.holderID == candidate, grant.term == term { state.leaseGrant = nil }
    }

    mutating func leaseReleased(_ release: LeaseRelease) {
        guard release.holderID != selfID else { return }
        if let grant = state.leaseGrant, grant.isReleased(by: release) { state.leaseGrant = nil }
        if release.term >= (state.releasedLease?.term ?? 0) {
            state.releasedLease = release
            state.releaseHeardAt = now
        }
        effects.append(.log(.notice, "\(label(release.holderID)) released its lease of term \(release.term)"))
        if case .electing = state.phase, state.electionDeferredUntil != nil {
            state.electionDeferredUntil = nil
            requestPoll(force: true)
        }
    }

    /// How long `grant` still binds, e.g. `3.200 s`.
    func bindsFor(_ grant: LeaseGrant) -> String {
        seconds(grant.expiresAt.milliseconds(since: now))
    }

    private func seconds(_ milliseconds: Int64) -> String { MonitorInstant.durationText(milliseconds: milliseconds) }
}
