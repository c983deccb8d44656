import Testing

@testable import WardenEngine

/// node1 primary, node2 and node3 standbys, node4 witness: three voters for node1's lease.
private let nodes: [NodeRecord] = [
    NodeRecord(
        nodeID: 1, upstreamNodeID: nil, nodeName: "node1", type: .primary, conninfo: "host=node1",
        replicationUser: "repmgr", configFile: "/etc/repmgr.conf"),
    NodeRecord(
        nodeID: 2, upstreamNodeID: 1, nodeName: "node2", type: .standby, conninfo: "host=node2",
        replicationUser: "repmgr", configFile: "/etc/repmgr.conf"),
    NodeRecord(
        nodeID: 3, upstreamNodeID: 1, nodeName: "node3", type: .standby, conninfo: "host=node3",
        replicationUser: "repmgr", configFile: "/etc/repmgr.conf"),
    NodeRecord(
        nodeID: 4, upstreamNodeID: 1, nodeName: "witness", type: .witness, priority: 0, conninfo: "host=witness",
        replicationUser: "repmgr", configFile: "/etc/repmgr.conf"),
]

/// The partition benchmark's settings: monitor_interval_secs=2, reconnect_attempts=2,
/// reconnect_interval=1, connect_timeout=2; the lease is then 6 s (5.881 s for the holder), fenced 1 s early.
private let timings = FailoverSettings(
    failover: .automatic, monitorInterval: 2000, reconnectAttempts: 2, reconnectInterval: 1000, peerTimeout: 2000,
    electionRerunInterval: 15_000, primaryNotificationTimeout: 60_000)

/// One daemon fed observations at given times, keeping the effects of the last step.
private struct Node {
    var state: MonitorState
    var effects: [MonitorEffect]
    let context: MonitorContext

    init(_ id: Int, startedAt time: Int64 = 0) {
        context = MonitorContext(nodeID: id, settings: timings, nodes: nodes, term: 1)
        (state, effects) = FailoverMonitor.start(context: context, now: MonitorInstant(milliseconds: time))
    }

    mutating func send(_ observation: MonitorObservation, at time: Int64) {
        (state, effects) = FailoverMonitor.step(
            state, observation, now: MonitorInstant(milliseconds: time), context: context)
    }

    var leaseRequest: LeaseRequest? {
        effects.lazy.compactMap { if case .requestLease(let request, _) = $0 { request } else { nil } }.first
    }

    var leaseReply: LeaseReply? {
        effects.lazy.compactMap { if case .sendLeaseReply(let reply, _) = $0 { reply } else { nil } }.first
    }

    var voteReply: VoteReply? {
        effects.lazy.compactMap { if case .sendVoteReply(let reply, _) = $0 { reply } else { nil } }.first
    }

    var isolates: Bool { effects.contains { if case .isolateLocalServer = $0 { true } else { false } } }

    var events: [String] {
        effects.compactMap { if case .recordEvent(let event) = $0 { event.name } else { nil } }
    }
}

private func granted(_ request: LeaseRequest, by voter: Int) -> MonitorObservation {
    .leaseReplied(
        LeaseReply(voterID: voter, request: request, granted: true, reason: "granted", knownTerm: 1, knownPrimaryID: 1))
}

private let vote = VoteRequest(
    term: 2, candidateID: 3, failedPrimaryID: 1, primaryTerm: 1, receivedLSN: LSN(0x300_0000), priority: 100)

@Suite("Primary lease")
struct PrimaryLeaseTests {
    @Test("the primary asks its three voters every interval and needs two grants; one lost standby is no partition")
    func renewal() throws {
        var primary = Node(1)
        let first = try #require(primary.leaseRequest)
        #expect(primary.effects.contains(.requestLease(first, voters: [2, 3, 4])))
        primary.send(granted(first, by: 2), at: 20)
        primary.send(granted(first, by: 4), at: 25)
        // Renewed every interval with node3 never answering: never fenced.
        for round in 1...10 {
            let time = Int64(round) * 2000
            primary.send(.tick, at: time)
            primary.send(.localNodeReachable, at: time + 1)
            let request = try #require(
                primary.leaseRequest
                    ?? primary.state.lease.map {
                        LeaseRequest(holderID: 1, term: 1, sequence: $0.sequence)
                    })
            primary.send(granted(request, by: 2), at: time + 20)
            primary.send(granted(request, by: 4), at: time + 25)
            #expect(!primary.isolates)
        }
        #expect(primary.state.phase == .monitoring)
        #expect(PrimaryLease.grantsNeeded(voters: 3) == 2)
        #expect(PrimaryLease.grantsNeeded(voters: 2) == 1)
        #expect(PrimaryLease.grantsNeeded(voters: 5) == 3)
    }

    @Test("the lease status names the holder, who granted it and when it ends; a voter reports its promise")
    func leaseStatus() throws {
        var primary = Node(1)
        let first = try #require(primary.leaseRequest)
        primary.send(granted(first, by: 2), at: 20)
        primary.send(granted(first, by: 4), at: 25)
        let status = try #require(
            primary.state.leaseStatus(context: primary.context, now: MonitorInstant(milliseconds: 1000)))
        #expect(status.state == .held)
        #expect(status.holderNodeID == 1)
        #expect(status.grantedBy == [2, 4])
        #expect(status.needed == 2 && status.voters == 3)
        #expect(status.expiresInMilliseconds == timings.leaseSafeDuration - 1000)
        #expect(
            primary.state.leaseSummary(context: primary.context, now: MonitorInstant(milliseconds: 1000))
                == "lease: held for term 1, granted by node2, witness (2 of 3 needed), valid for another "
                + MonitorInstant.durationText(milliseconds: timings.leaseSafeDuration - 1000))

        var voter = Node(2)
        voter.send(.leaseRequested(LeaseRequest(holderID: 1, term: 1, sequence: 1)), at: 100)
        let promise = try #require(
            voter.state.leaseStatus(context: voter.context, now: MonitorInstant(milliseconds: 200)))
        #expect(promise.state == .granted)
        #expect(promise.holderNodeID == 1)
        #expect(promise.expiresInMilliseconds > 0)
    }

    @Test("cut off from its voters, the primary stops its server 1 s before its lease ends, and says why")
    func selfFence() throws {
        var primary = Node(1)
        let first = try #require(primary.leaseRequest)
        primary.send(granted(first, by: 2), at: 20)
        primary.send(granted(first, by: 3), at: 30)
        // The cut: nothing answers any more. The wake-up is never later than the fence deadline.
        primary.send(.tick, at: 2000)
        primary.send(.tick, at: 4000)
        #expect(!primary.isolates)
        let wake = primary.effects.compactMap { if case .wakeUp(let at) = $0 { at.milliseconds } else { nil } }.last
        #expect(wake == 4881)
        primary.send(.tick, at: 4881)
        #expect(primary.isolates)
        #expect(primary.events == ["repmgrd_lease_lost"])
        #expect(
            primary.state.phase
                == .degraded(.leaseLost(granted: 0, voters: 3), since: MonitorInstant(milliseconds: 4881), rerunAt: nil)
        )
        let reason = primary.effects.compactMap { if case .isolateLocalServer(let reason) = $0 { reason } else { nil } }
        #expect(
            reason == [
                "lease of term 1 lost: reached 0 of 3 voters since the last renewal a majority granted, 4.881 s ago "
                    + "(2 needed); stopping this node's server before the lease expires"
            ])
        // It keeps asking; when two voters grant again, nobody else was promoted: it resumes.
        primary.send(.tick, at: 6000)
        let again = try #require(primary.leaseRequest)
        primary.send(granted(again, by: 2), at: 6010)
        #expect(
            primary.state.phase
                == .degraded(.leaseLost(granted: 0, voters: 3), since: MonitorInstant(milliseconds: 4881), rerunAt: nil)
        )
        primary.send(granted(again, by: 4), at: 6020)
        #expect(primary.effects.contains { if case .resumeLocalServer = $0 { true } else { false } })
        #expect(primary.events == ["repmgrd_lease_regained"])
        #expect(primary.state.phase == .monitoring)
    }

    @Test("a voter that granted the lease backs no other candidate until it has expired on its own clock")
    func grantBindsVoter() {
        var witness = Node(4, startedAt: -10_000)
        witness.send(.leaseRequested(LeaseRequest(holderID: 1, term: 1, sequence: 7)), at: 1000)
        #expect(witness.leaseReply?.granted == true)
        witness.send(.voteRequested(vote, localLSN: nil), at: 6999)
        #expect(witness.voteReply?.granted == false)
        #expect(witness.voteReply?.leaseBindsFor == 1)
        #expect(
            witness.voteReply?.reason
                == "this node granted node \"node1\" (ID: 1) the lease of term 1, binding for another 0.001 s")
        witness.send(.voteRequested(vote, localLSN: nil), at: 7000)
        #expect(witness.voteReply?.granted == true)
        // The vote binds it to the candidate: a lease request of the old primary is refused now.
        witness.send(.leaseRequested(LeaseRequest(holderID: 1, term: 1, sequence: 8)), at: 7100)
        #expect(witness.leaseReply?.granted == false)
        #expect(witness.leaseReply?.reason == "this node voted for node \"node3\" (ID: 3) in the newer term 2")
    }

    @Test("a daemon that starts backs no candidate for a lease duration: it may have granted one before")
    func startHold() {
        var witness = Node(4, startedAt: 0)
        witness.send(.voteRequested(vote, localLSN: nil), at: 5999)
        #expect(witness.voteReply?.granted == false)
        #expect(witness.voteReply?.reason.hasPrefix("this daemon started recently") == true)
        witness.send(.voteRequested(vote, localLSN: nil), at: 6000)
        #expect(witness.voteReply?.granted == true)
    }

    @Test("the kill -9 case: a released lease frees the voters at once; a request still in transit is refused")
    func release() {
        var standby = Node(2, startedAt: -10_000)
        standby.send(.leaseRequested(LeaseRequest(holderID: 1, term: 1, sequence: 5)), at: 1000)
        standby.send(.leaseReleased(LeaseRelease(holderID: 1, term: 1, sequence: 6)), at: 1200)
        standby.send(.leaseRequested(LeaseRequest(holderID: 1, term: 1, sequence: 6)), at: 1210)
        #expect(standby.leaseReply?.granted == false)
        #expect(standby.leaseReply?.reason == "node \"node1\" (ID: 1) released this lease (its server stopped)")
        standby.send(.voteRequested(vote, localLSN: LSN(0x200_0000)), at: 1300)
        #expect(standby.voteReply?.granted == true)

        // A request sent after the release (the server came back) but delivered first still binds.
        var other = Node(4, startedAt: -10_000)
        other.send(.leaseRequested(LeaseRequest(holderID: 1, term: 1, sequence: 7)), at: 1000)
        other.send(.leaseReleased(LeaseRelease(holderID: 1, term: 1, sequence: 6)), at: 1010)
        other.send(.voteRequested(vote, localLSN: nil), at: 1300)
        #expect(other.voteReply?.granted == false)
    }

    @Test("a primary whose server stopped releases its lease to every voter")
    func releaseOnStop() {
        var primary = Node(1)
        primary.send(.localServerStopped, at: 500)
        #expect(
            primary.effects.contains(.releaseLease(LeaseRelease(holderID: 1, term: 1, sequence: 1), voters: [2, 3, 4])))
        #expect(primary.state.lease?.released == true)
    }

    @Test("a candidate bound by its own grant waits for it to expire, then elects")
    func deferredElection() throws {
        var standby = Node(2, startedAt: -10_000)
        standby.send(.leaseRequested(LeaseRequest(holderID: 1, term: 1, sequence: 3)), at: 9000)
        standby.send(.walReceiverDropped(detail: "connection reset"), at: 10_000)
        standby.send(.upstreamUnreachable(nodeID: 1, detail: "timeout"), at: 10_000)
        standby.send(.tick, at: 11_000)
        standby.send(.upstreamUnreachable(nodeID: 1, detail: "timeout"), at: 11_000)
        let views = [
            PeerView.unreachable(nodes[0]),
            PeerView(
                nodeID: 3, reachable: true, daemonRunning: true, isWitness: false, inRecovery: true,
                receivedLSN: LSN(0x300_0000), priority: 100, location: "default", failover: .automatic,
                upstreamNodeID: 1, seesUpstream: false, upstreamLastSeenAgo: 3000, term: 1, primaryNodeID: 1,
                isPaused: false),
        ]
        standby.send(.peersPolled(localLSN: LSN(0x300_0001), views: views), at: 11_010)
        #expect(standby.state.electionDeferredUntil == MonitorInstant(milliseconds: 15_000))
        #expect(standby.state.lastDecision?.result == .cancelled(.leaseBinding(holderID: 1, term: 1)))
        #expect(!standby.effects.contains { if case .requestVotes = $0 { true } else { false } })
        standby.send(.tick, at: 15_000)
        #expect(standby.effects.contains { if case .pollPeers = $0 { true } else { false } })
        standby.send(.peersPolled(localLSN: LSN(0x300_0001), views: views), at: 15_010)
        #expect(standby.effects.contains { if case .requestVotes = $0 { true } else { false } })
    }
}
