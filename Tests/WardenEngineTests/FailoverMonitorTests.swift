import Testing

@testable import WardenEngine

/// A cluster like the reference capture: node1 primary, node2 and node3 standbys, a witness (node4).
private func cluster(
    standbyUpstreams: [Int: Int] = [2: 1, 3: 1], witness: Bool = true, locations: [Int: String] = [:],
    priorities: [Int: Int] = [:]
) -> [NodeRecord] {
    var nodes = [
        NodeRecord(
            nodeID: 1, upstreamNodeID: nil, nodeName: "node1", type: .primary, location: locations[1] ?? "default",
            conninfo: "host=node1", replicationUser: "repmgr", configFile: "/etc/repmgr.conf")
    ]
    for (id, upstream) in standbyUpstreams.sorted(by: { $0.key < $1.key }) {
        nodes.append(
            NodeRecord(
                nodeID: id, upstreamNodeID: upstream, nodeName: "node\(id)", type: .standby,
                location: locations[id] ?? "default", priority: priorities[id] ?? 100, conninfo: "host=node\(id)",
                replicationUser: "repmgr", configFile: "/etc/repmgr.conf"))
    }
    if witness {
        let id = nodes.count + 1
        nodes.append(
            NodeRecord(
                nodeID: id, upstreamNodeID: 1, nodeName: "witness", type: .witness,
                location: locations[id] ?? "default",
                priority: 0, conninfo: "host=witness", replicationUser: "repmgr", configFile: "/etc/repmgr.conf"))
    }
    return nodes
}

/// The benchmark's settings: reconnect_attempts=2, reconnect_interval=1, monitor_interval_secs=2, connect_timeout=2.
private func settings(
    failover: NodeConfiguration.FailoverMode = .automatic, priority: Int = 100, location: String = "default",
    consensus: Bool = false, attempts: Int = 2, validation: Bool = false, autoRejoin: Bool = false
) -> FailoverSettings {
    FailoverSettings(
        failover: failover, priority: priority, location: location, monitorInterval: 2000,
        reconnectAttempts: attempts, reconnectInterval: 1000, peerTimeout: 2000,
        primaryVisibilityConsensus: consensus, hasValidationCommand: validation, electionRerunInterval: 15_000,
        primaryNotificationTimeout: 60_000, autoRejoin: autoRejoin)
}

/// One daemon driven step by step, the way a driver would.
private struct Daemon {
    var state: MonitorState
    var effects: [MonitorEffect]
    let context: MonitorContext

    init(_ nodeID: Int, _ settings: FailoverSettings, nodes: [NodeRecord] = cluster(), at time: Int64 = 0) {
        context = MonitorContext(nodeID: nodeID, settings: settings, nodes: nodes, term: 1)
        (state, effects) = FailoverMonitor.start(context: context, now: MonitorInstant(milliseconds: time))
    }

    @discardableResult
    mutating func send(_ observation: MonitorObservation, at time: Int64) -> [MonitorEffect] {
        (state, effects) = FailoverMonitor.step(
            state, observation, now: MonitorInstant(milliseconds: time), context: context)
        return effects
    }

    var events: [String] {
        effects.compactMap {
            if case .recordEvent(let event) = $0 { return event.name }
            return nil
        }
    }

    var wakeUp: Int64? {
        effects.compactMap {
            if case .wakeUp(let at) = $0 { return at.milliseconds }
            return nil
        }.last
    }

    var voteRequest: VoteRequest? {
        effects.compactMap {
            if case .requestVotes(let request, _) = $0 { return request }
            return nil
        }.first
    }

    var voteReply: VoteReply? {
        effects.compactMap {
            if case .sendVoteReply(let reply, _) = $0 { return reply }
            return nil
        }.first
    }

    /// Loses the upstream at `time` (WAL receiver drop, then failed checks until the decision).
    mutating func loseUpstream(at time: Int64) {
        send(.walReceiverDropped(detail: "connection reset"), at: time)
        send(.upstreamUnreachable(nodeID: 1, detail: "connection refused"), at: time)
        send(.tick, at: time + 1000)
        send(.upstreamUnreachable(nodeID: 1, detail: "connection refused"), at: time + 1000)
    }
}

/// What a healthy peer reports, as its daemon would.
private func peer(
    _ id: Int, lsn: UInt64?, priority: Int = 100, location: String = "default", seesPrimary: Bool = false,
    lastSeen: Int64? = 2000, witness: Bool = false, failover: NodeConfiguration.FailoverMode = .automatic,
    inRecovery: Bool = true, term: Int = 1, primary: Int = 1, upstream: Int? = 1
) -> PeerView {
    PeerView(
        nodeID: id, reachable: true, daemonRunning: true, isWitness: witness, inRecovery: witness ? false : inRecovery,
        receivedLSN: lsn.map(LSN.init), priority: priority, location: location, failover: failover,
        upstreamNodeID: upstream, seesUpstream: seesPrimary, upstreamLastSeenAgo: lastSeen, term: term,
        primaryNodeID: primary, isPaused: false)
}

private func unreachable(_ id: Int, in nodes: [NodeRecord] = cluster()) -> PeerView {
    .unreachable(nodes[id - 1])
}

private let lsn: UInt64 = 0x502_DF90

private func election(
    _ nodeID: Int = 2, settings: FailoverSettings = settings(), localLSN: UInt64? = lsn,
    nodes: [NodeRecord] = cluster(),
    views: [PeerView], pendingVote: VoteRecord? = nil
) -> FailoverExplanation {
    CandidateElection.decide(
        ElectionInput(
            nodeID: nodeID, settings: settings, localLSN: localLSN.map(LSN.init), failedPrimaryID: 1, nodes: nodes,
            views: [unreachable(1, in: nodes)] + views, term: 2, knownTerm: 1, pendingVote: pendingVote,
            decidedAt: MonitorInstant(milliseconds: 27_000)))
}

@Suite("Candidate election")
struct CandidateElectionTests {
    @Test("the reference failover: equal LSNs and priorities, the lower node ID wins")
    func referenceFailover() {
        let views = [peer(3, lsn: lsn, seesPrimary: true), peer(4, lsn: nil, seesPrimary: true, witness: true)]
        let node2 = election(2, views: views)
        #expect(node2.result == .won)
        #expect(node2.ranking == [2, 3])
        #expect(node2.visibleNodes == 3)
        #expect(node2.sharedUpstreamNodes == 3)
        #expect(node2.nodesSeeingPrimary == [3, 4])
        #expect(
            node2.summary
                == "this node is the promotion candidate: same LSN and priority as node \"node3\" (ID: 3), lower node ID"
        )
        #expect(
            node2.lines.contains(
                "visibility: 3 of 3 nodes sharing the upstream are visible (a majority is 2); 4 nodes registered"))
        #expect(
            node2.lines.contains(
                "primary visibility: node \"node3\" (ID: 3), node \"witness\" (ID: 4) still see the primary "
                    + "(ignored: primary_visibility_consensus is off)"))
        #expect(
            node2.lines.contains(
                "ranking: 1. node \"node2\" (ID: 2) LSN 0/502DF90 priority 100; 2. node \"node3\" (ID: 3) LSN 0/502DF90 priority 100"
            ))
        #expect(
            node2.text.hasPrefix(
                "node \"node2\" (ID: 2) decided at 27.000s: upstream node \"node1\" (ID: 1) is unreachable"))

        let node3 = election(3, views: [peer(2, lsn: lsn), peer(4, lsn: nil, witness: true)])
        #expect(node3.result == .lost(winner: 2))
        #expect(node3.summary.hasSuffix("; this node will follow it"))
    }

    @Test("ranking: received LSN first, then priority, then the lowest node ID")
    func ranking() {
        let ahead = election(2, views: [peer(3, lsn: lsn + 1, priority: 10)])
        #expect(ahead.result == .lost(winner: 3))
        #expect(ahead.summary.contains("highest received LSN (0/502DF91 against 0/502DF90"))

        let priority = election(2, views: [peer(3, lsn: lsn, priority: 150)])
        #expect(priority.result == .lost(winner: 3))
        #expect(priority.summary.contains("higher priority (150 against 100)"))

        let cascade = cluster(standbyUpstreams: [2: 1, 3: 1, 5: 1, 6: 1], witness: false)
        let four = election(
            5, nodes: cascade, views: [peer(2, lsn: lsn - 5), peer(3, lsn: lsn - 5), peer(6, lsn: lsn)])
        #expect(four.result == .won)
        #expect(four.ranking == [5, 6, 2, 3])
    }

    @Test("priority 0, failover=manual and witnesses are never candidates")
    func notCandidates() {
        let zero = election(2, settings: settings(priority: 0), views: [peer(3, lsn: lsn - 1)])
        #expect(zero.result == .notCandidate(.priorityZero, expectedWinner: 3))
        #expect(
            zero.summary
                == "this node has priority 0 and is never promoted; waiting for node \"node3\" (ID: 3) to promote")

        let manual = election(2, settings: settings(failover: .manual), views: [peer(3, lsn: lsn)])
        #expect(manual.result == .notCandidate(.manualFailover, expectedWinner: 3))

        let others = election(
            2, localLSN: lsn,
            views: [peer(3, lsn: lsn + 100, failover: .manual), peer(4, lsn: nil, witness: true)])
        #expect(others.result == .won)
        #expect(others.ranking == [2])
        #expect(others.nodes.first { $0.nodeID == 3 }?.note == "failover=manual")

        let zeroPeer = election(2, views: [peer(3, lsn: lsn + 100, priority: 0)])
        #expect(zeroPeer.result == .won)
        #expect(zeroPeer.summary == "this node is the promotion candidate: it is the only candidate")
    }

    @Test("primary_visibility_consensus: a node alone losing its upstream does not promote")
    func visibilityConsensus() {
        let views = [
            peer(3, lsn: lsn, seesPrimary: true, lastSeen: 800), peer(4, lsn: nil, lastSeen: 900, witness: true),
        ]
        let alone = election(2, settings: settings(consensus: true), views: views)
        #expect(alone.result == .cancelled(.primaryStillVisible(nodeIDs: [3])))
        #expect(
            alone.summary
                == "no failover: node \"node3\" (ID: 3) still sees the primary and primary_visibility_consensus is on")

        let stale = [peer(3, lsn: lsn, seesPrimary: true, lastSeen: 4000)]
        #expect(election(2, settings: settings(consensus: true), views: stale).result == .won)
    }

    @Test("location: no promotion when no node of the primary's location is visible")
    func location() {
        let nodes = cluster(locations: [1: "dc1", 2: "dc2", 3: "dc2", 4: "dc1"])
        let split = election(
            2, settings: settings(location: "dc2"), nodes: nodes,
            views: [peer(3, lsn: lsn, location: "dc2"), unreachable(4, in: nodes)])
        #expect(split.result == .cancelled(.primaryLocationNotVisible(location: "dc1")))
        #expect(
            split.summary.contains("no node in the primary's location \"dc1\" is visible, assuming a network split"))

        let witnessSeen = election(
            2, settings: settings(location: "dc2"), nodes: nodes,
            views: [peer(3, lsn: lsn, location: "dc2"), peer(4, lsn: nil, location: "dc1", witness: true)])
        #expect(witnessSeen.result == .won)

        let lone = cluster(standbyUpstreams: [2: 1], witness: false, locations: [1: "dc1", 2: "dc2"])
        #expect(
            election(2, settings: settings(location: "dc2"), nodes: lone, views: []).result
                == .cancelled(.primaryLocationNotVisible(location: "dc1")))
        #expect(election(2, nodes: cluster(standbyUpstreams: [2: 1], witness: false), views: []).result == .won)
    }

    @Test("majority: more than half of the nodes sharing the upstream must be visible")
    func majority() {
        let nodes = cluster(standbyUpstreams: [2: 1, 3: 1, 4: 1, 5: 1], witness: false)
        let minority = election(
            2, nodes: nodes, views: [peer(3, lsn: lsn), unreachable(4, in: nodes), unreachable(5, in: nodes)])
        #expect(minority.result == .cancelled(.noMajority(visible: 2, total: 4)))
        #expect(
            minority.summary
                == "no failover: only 2 of 4 nodes sharing the upstream are visible, which is not a majority")

        let two = cluster(standbyUpstreams: [2: 1], witness: true)
        #expect(
            election(2, nodes: two, views: [unreachable(3, in: two)]).result
                == .cancelled(.noMajority(visible: 1, total: 2)))
        #expect(election(2, nodes: two, views: [peer(3, lsn: nil, witness: true)]).result == .won)
    }

    @Test("a peer already primary of a newer term is followed; a pending vote is waited on")
    func newerPrimaryAndPendingVote() {
        let promoted = election(3, views: [peer(2, lsn: nil, inRecovery: false, term: 2, primary: 2, upstream: nil)])
        #expect(promoted.result == .cancelled(.newPrimaryFound(nodeID: 2, term: 2)))
        #expect(promoted.summary == "node \"node2\" (ID: 2) already runs as primary (term 2): this node follows it")

        let rogue = election(3, views: [peer(2, lsn: nil, inRecovery: false, term: 1, primary: 2, upstream: nil)])
        #expect(rogue.result == .won)

        let voted = election(
            2, views: [peer(3, lsn: lsn - 1)],
            pendingVote: VoteRecord(term: 2, candidateID: 3, grantedAt: MonitorInstant(milliseconds: 26_000)))
        #expect(voted.result == .notCandidate(.votedFor(candidate: 3, term: 2), expectedWinner: 3))
    }

    @Test("a peer whose daemon follows the failed primary counts as a sibling even if its record lags")
    func siblingFromView() {
        let stale = cluster(standbyUpstreams: [2: 1, 3: 2])
        let result = election(2, nodes: stale, views: [peer(3, lsn: lsn + 1), peer(4, lsn: nil, witness: true)])
        #expect(result.result == .lost(winner: 3))
        #expect(result.sharedUpstreamNodes == 3)
    }

    @Test("voters are every active node except the failed primary")
    func voters() {
        var nodes = cluster(standbyUpstreams: [2: 1, 3: 1, 4: 3])
        nodes[1].active = false
        #expect(CandidateElection.voters(replacing: 1, in: nodes) == [3, 4, 5])
    }
}

@Suite("Failover monitor")
struct FailoverMonitorTests {
    @Test("start: repmgrd_start and an immediate check; the role comes from the record or the server")
    func start() {
        let standby = Daemon(2, settings())
        #expect(standby.state.role == .standby)
        #expect(standby.state.upstreamNodeID == 1)
        #expect(standby.events == ["repmgrd_start"])
        #expect(standby.effects.contains(.checkUpstream(nodeID: 1)))
        #expect(standby.wakeUp == 2000)

        let primary = Daemon(1, settings())
        #expect(primary.state.role == .primary)
        #expect(primary.state.promotedTerm == 1)
        #expect(primary.effects.contains(.checkLocalNode))
        #expect(primary.effects.contains(.pollPeers(nodeIDs: [2, 3, 4], bestEffort: [])))

        let witness = Daemon(4, settings())
        #expect(witness.state.role == .witness)
        #expect(
            witness.effects.contains(
                .recordEvent(
                    MonitorEvent(
                        "repmgrd_start", details: "witness monitoring connection to primary node \"node1\" (ID: 1)"))))

        let context = MonitorContext(nodeID: 2, settings: settings(), nodes: cluster(), term: 3)
        let (promoted, _) = FailoverMonitor.start(context: context, now: .zero, runsAsPrimary: true)
        #expect(promoted.role == .primary)
        #expect(promoted.reportedTerm == 3)
    }

    @Test("timing: first check at the loss, one retry 1 s later, the decision at 1.0 s")
    func reconnectTiming() {
        var daemon = Daemon(2, settings(), at: 9500)
        daemon.send(.upstreamReachable(nodeID: 1), at: 9501)
        daemon.send(.walReceiverDropped(detail: "connection reset"), at: 10_000)
        #expect(daemon.effects.contains(.checkUpstream(nodeID: 1)))
        daemon.send(.upstreamUnreachable(nodeID: 1, detail: "connection refused"), at: 10_003)
        #expect(daemon.events == ["repmgrd_upstream_disconnect"])
        #expect(
            daemon.state.phase
                == .upstreamLost(
                    since: MonitorInstant(milliseconds: 10_003), attempts: 1,
                    nextAttempt: MonitorInstant(milliseconds: 11_003)))
        #expect(daemon.wakeUp == 11_003)
        daemon.send(.tick, at: 11_003)
        #expect(daemon.effects.contains(.checkUpstream(nodeID: 1)))
        daemon.send(.upstreamUnreachable(nodeID: 1, detail: "connection refused"), at: 11_004)
        #expect(daemon.state.phase == .electing(failedPrimary: 1, since: MonitorInstant(milliseconds: 11_004)))
        // The election's poll does not wait for the failed primary, just found unreachable.
        #expect(daemon.effects.contains(.pollPeers(nodeIDs: [1, 3, 4], bestEffort: [1])))

        var once = Daemon(2, settings(attempts: 1))
        once.send(.upstreamUnreachable(nodeID: 1, detail: ""), at: 500)
        #expect(once.state.phase == .electing(failedPrimary: 1, since: MonitorInstant(milliseconds: 500)))
    }

    @Test("an unrequested failure does not count as a retry; a reachable upstream ends the loss")
    func retriesAndRecovery() {
        var daemon = Daemon(2, settings(attempts: 3))
        daemon.send(.upstreamUnreachable(nodeID: 1, detail: ""), at: 2000)
        daemon.send(.upstreamUnreachable(nodeID: 1, detail: ""), at: 2100)
        guard case .upstreamLost(_, let attempts, _) = daemon.state.phase else {
            Issue.record("expected upstream lost, got \(daemon.state.phase)")
            return
        }
        #expect(attempts == 1)
        daemon.send(.tick, at: 3000)
        daemon.send(.upstreamReachable(nodeID: 1), at: 3001)
        #expect(daemon.state.phase == .monitoring)
        #expect(daemon.events == ["repmgrd_upstream_reconnect"])
    }

    @Test("the winner asks for votes, promotes in term 2 and announces itself")
    func winnerPromotes() {
        var daemon = Daemon(2, settings())
        daemon.loseUpstream(at: 10_000)
        daemon.send(
            .peersPolled(
                localLSN: LSN(lsn), views: [unreachable(1), peer(3, lsn: lsn), peer(4, lsn: nil, witness: true)]),
            at: 11_010)
        #expect(
            daemon.effects.contains(
                .recordVote(VoteRecord(term: 2, candidateID: 2, grantedAt: MonitorInstant(milliseconds: 11_010)))))
        #expect(
            daemon.voteRequest
                == VoteRequest(
                    term: 2, candidateID: 2, failedPrimaryID: 1, primaryTerm: 1, receivedLSN: LSN(lsn), priority: 100))
        guard case .requestingVotes(let candidacy) = daemon.state.phase else {
            Issue.record("expected a candidacy, got \(daemon.state.phase)")
            return
        }
        #expect(candidacy.voters == [2, 3, 4])
        daemon.send(
            .voteReplied(
                VoteReply(term: 2, voterID: 4, granted: true, reason: "granted", knownTerm: 1, knownPrimaryID: 1)),
            at: 11_020)
        #expect(daemon.effects.contains(.promote(term: 2)))
        daemon.send(.promotionFinished(success: true, detail: ""), at: 11_500)
        #expect(daemon.state.role == .primary)
        #expect(daemon.state.promotedTerm == 2)
        #expect(daemon.effects.contains(.setNodeActive(nodeID: 1, active: false)))
        #expect(daemon.effects.contains(.announcePrimary(term: 2, to: [1, 3, 4])))
        #expect(
            daemon.effects.contains(
                .recordEvent(
                    MonitorEvent(
                        "repmgrd_failover_promote",
                        details:
                            "node \"node2\" (ID: 2) promoted to primary; old primary \"node1\" (ID: 1) marked as failed",
                        primaryNodeID: 1))))
        #expect(daemon.state.lastDecision?.promotionSucceeded == true)
        #expect(
            daemon.state.lastDecision?.lines.contains { $0.hasPrefix("votes for term 2: 2 of 3 granted (2 needed)") }
                == true)
    }

    @Test("refused votes cancel the candidacy; the election runs again after election_rerun_interval")
    func refusedVotes() {
        var daemon = Daemon(2, settings())
        daemon.loseUpstream(at: 10_000)
        daemon.send(
            .peersPolled(localLSN: LSN(lsn), views: [peer(3, lsn: lsn), peer(4, lsn: nil, witness: true)]), at: 11_010)
        daemon.send(
            .voteReplied(
                VoteReply(
                    term: 2, voterID: 3, granted: false, reason: "this node still sees the primary", knownTerm: 1,
                    knownPrimaryID: 1)), at: 11_020)
        #expect(daemon.state.phase.name == "requesting votes")
        daemon.send(
            .voteReplied(
                VoteReply(
                    term: 2, voterID: 4, granted: false, reason: "this node still sees the primary", knownTerm: 1,
                    knownPrimaryID: 1)), at: 11_030)
        let reason = ElectionResult.CancelReason.noQuorum(granted: 1, voters: 3)
        #expect(
            daemon.state.phase
                == .degraded(
                    .electionCancelled(reason), since: MonitorInstant(milliseconds: 11_030),
                    rerunAt: MonitorInstant(milliseconds: 26_030)))
        #expect(daemon.effects.contains(.withdrawCandidacy(term: 2, voters: [3, 4])))
        #expect(
            daemon.state.lastDecision?.summary
                == "no failover: only 1 of 3 voters granted their vote for term 2 (2 needed)")
        #expect(daemon.state.lastDecision?.refusals.map(\.nodeID) == [3, 4])
        daemon.send(.tick, at: 26_030)
        #expect(daemon.state.phase.name == "electing")
        daemon.send(
            .peersPolled(localLSN: LSN(lsn), views: [peer(3, lsn: lsn), peer(4, lsn: nil, witness: true)]), at: 26_040)
        #expect(daemon.voteRequest?.term == 3)
    }

    @Test("unanswered votes time out after connect_timeout")
    func voteTimeout() {
        var daemon = Daemon(2, settings())
        daemon.loseUpstream(at: 10_000)
        daemon.send(
            .peersPolled(localLSN: LSN(lsn), views: [peer(3, lsn: lsn), peer(4, lsn: nil, witness: true)]), at: 11_000)
        #expect(daemon.wakeUp == 13_000)
        daemon.send(.tick, at: 13_000)
        #expect(daemon.state.phase.name == "degraded")
    }

    @Test("a loser waits for the announcement and follows the new primary")
    func loserFollows() {
        var daemon = Daemon(3, settings())
        daemon.loseUpstream(at: 10_000)
        daemon.send(
            .peersPolled(localLSN: LSN(lsn), views: [peer(2, lsn: lsn), peer(4, lsn: nil, witness: true)]), at: 11_010)
        #expect(daemon.state.phase == .waitingForNewPrimary(expected: 2, since: MonitorInstant(milliseconds: 11_010)))
        daemon.send(.primaryAnnounced(nodeID: 2, term: 2), at: 11_600)
        #expect(daemon.effects.contains(.follow(nodeID: 2)))
        daemon.send(.followFinished(nodeID: 2, success: true, detail: ""), at: 12_000)
        #expect(daemon.state.phase == .monitoring)
        #expect(daemon.state.upstreamNodeID == 2)
        #expect(daemon.state.term == 2)
        #expect(
            daemon.effects.contains(
                .recordEvent(
                    MonitorEvent(
                        "repmgrd_failover_follow",
                        details: "node \"node3\" (ID: 3) now following new upstream node \"node2\" (ID: 2)",
                        primaryNodeID: 2))))
    }

    @Test("no announcement within primary_notification_timeout: degraded monitoring")
    func noNewPrimary() {
        var daemon = Daemon(3, settings())
        daemon.loseUpstream(at: 10_000)
        daemon.send(
            .peersPolled(localLSN: LSN(lsn), views: [peer(2, lsn: lsn), peer(4, lsn: nil, witness: true)]), at: 11_000)
        daemon.send(.tick, at: 71_000)
        #expect(
            daemon.state.phase
                == .degraded(
                    .noNewPrimary, since: MonitorInstant(milliseconds: 71_000),
                    rerunAt: MonitorInstant(milliseconds: 86_000)))
    }

    @Test("a node that sees a newer term while electing follows instead of promoting")
    func newerTermWins() {
        var daemon = Daemon(3, settings())
        daemon.loseUpstream(at: 10_000)
        daemon.send(
            .peersPolled(
                localLSN: LSN(lsn + 10),
                views: [
                    peer(2, lsn: nil, inRecovery: false, term: 2, primary: 2, upstream: nil),
                    peer(4, lsn: nil, witness: true, term: 2, primary: 2),
                ]),
            at: 11_000)
        #expect(daemon.state.phase == .following(target: 2, term: 2))
        #expect(!daemon.effects.contains { if case .promote = $0 { return true } else { return false } })
    }

    @Test("votes: one candidate per term, consensus, rank and newer terms decide")
    func voting() {
        var voter = Daemon(3, settings(consensus: true))
        voter.send(.upstreamReachable(nodeID: 1), at: 1000)
        let request = VoteRequest(
            term: 2, candidateID: 2, failedPrimaryID: 1, primaryTerm: 1, receivedLSN: LSN(lsn), priority: 100)
        voter.send(.voteRequested(request, localLSN: LSN(lsn)), at: 1500)
        #expect(voter.voteReply?.granted == false)
        #expect(voter.voteReply?.reason == "this node still sees the primary")

        var rival = Daemon(3, settings())
        rival.send(.voteRequested(request, localLSN: LSN(lsn + 1)), at: 1500)
        #expect(rival.voteReply?.reason == "this node ranks higher (LSN 0/502DF91, priority 100)")

        // Started long enough ago that its start-up lease hold is over.
        var witness = Daemon(4, settings(), at: -10_000)
        witness.send(.voteRequested(request, localLSN: nil), at: 1500)
        #expect(witness.voteReply?.granted == true)
        #expect(
            witness.effects.first
                == .recordVote(VoteRecord(term: 2, candidateID: 2, grantedAt: MonitorInstant(milliseconds: 1500))))
        witness.send(.voteRequested(request, localLSN: nil), at: 1600)
        #expect(witness.voteReply?.granted == true)
        let other = VoteRequest(
            term: 2, candidateID: 3, failedPrimaryID: 1, primaryTerm: 1, receivedLSN: LSN(lsn + 5), priority: 100)
        witness.send(.voteRequested(other, localLSN: nil), at: 1700)
        #expect(witness.voteReply?.reason == "already voted for node \"node2\" (ID: 2) in term 2")
        let later = VoteRequest(
            term: 3, candidateID: 3, failedPrimaryID: 1, primaryTerm: 1, receivedLSN: LSN(lsn + 5), priority: 100)
        witness.send(.voteRequested(later, localLSN: nil), at: 1800)
        #expect(witness.voteReply?.reason == "waiting for node \"node2\" (ID: 2), which this node voted for in term 2")
        witness.send(.candidacyWithdrawn(nodeID: 2, term: 2), at: 1900)
        witness.send(.voteRequested(later, localLSN: nil), at: 2000)
        #expect(witness.voteReply?.granted == true)

        var follower = Daemon(4, settings())
        follower.send(.primaryAnnounced(nodeID: 2, term: 2), at: 1000)
        follower.send(.voteRequested(request, localLSN: nil), at: 1100)
        #expect(follower.voteReply?.granted == false)
        #expect(follower.voteReply?.knownTerm == 2)
        #expect(follower.voteReply?.knownPrimaryID == 2)

        var primary = Daemon(1, settings())
        primary.send(.voteRequested(request, localLSN: nil), at: 1000)
        #expect(primary.voteReply?.reason == "this node is running as primary (term 1)")
    }

    @Test("a candidate that learns of a newer primary from a vote reply follows it")
    func learnsFromVoteReply() {
        var daemon = Daemon(2, settings())
        daemon.loseUpstream(at: 10_000)
        daemon.send(
            .peersPolled(localLSN: LSN(lsn), views: [peer(3, lsn: lsn), peer(4, lsn: nil, witness: true)]), at: 11_000)
        daemon.send(
            .voteReplied(VoteReply(term: 2, voterID: 4, granted: false, reason: "", knownTerm: 2, knownPrimaryID: 3)),
            at: 11_010)
        #expect(daemon.state.phase == .following(target: 3, term: 2))
        #expect(daemon.effects.contains(.withdrawCandidacy(term: 2, voters: [3, 4])))
    }

    @Test("paused: no failover until unpause, which decides at once")
    func paused() {
        var daemon = Daemon(2, settings())
        daemon.send(.pause, at: 500)
        daemon.loseUpstream(at: 10_000)
        #expect(daemon.state.phase == .degraded(.paused, since: MonitorInstant(milliseconds: 11_000), rerunAt: nil))
        #expect(
            daemon.state.lastDecision?.summary
                == "no failover: the daemon is paused (\"pgwarden daemon unpause\" resumes it)")
        #expect(!daemon.effects.contains { if case .pollPeers = $0 { return true } else { return false } })
        daemon.send(.unpause, at: 20_000)
        #expect(daemon.state.phase == .electing(failedPrimary: 1, since: MonitorInstant(milliseconds: 20_000)))
    }

    @Test("failover=manual: standby_disconnect_manual, degraded monitoring, never following by itself")
    func manual() {
        var daemon = Daemon(2, settings(failover: .manual))
        daemon.loseUpstream(at: 10_000)
        #expect(daemon.events == ["standby_disconnect_manual"])
        #expect(
            daemon.state.phase == .degraded(.manualFailover, since: MonitorInstant(milliseconds: 11_000), rerunAt: nil))
        daemon.send(.primaryAnnounced(nodeID: 3, term: 2), at: 12_000)
        #expect(!daemon.effects.contains(.follow(nodeID: 3)))
        daemon.send(.tick, at: 13_000)
        daemon.send(.upstreamReachable(nodeID: 1), at: 13_001)
        #expect(daemon.state.phase == .monitoring)
    }

    @Test("a cascaded standby re-attaches to the primary when its upstream dies")
    func cascade() {
        let nodes = cluster(standbyUpstreams: [2: 1, 3: 2])
        var daemon = Daemon(3, settings(), nodes: nodes)
        daemon.send(.upstreamUnreachable(nodeID: 2, detail: ""), at: 5000)
        daemon.send(.tick, at: 6000)
        daemon.send(.upstreamUnreachable(nodeID: 2, detail: ""), at: 6000)
        #expect(daemon.state.phase == .following(target: 1, term: 1))
        #expect(daemon.effects.contains(.follow(nodeID: 1)))
        daemon.send(.followFinished(nodeID: 1, success: false, detail: "no route"), at: 7000)
        #expect(
            daemon.state.phase
                == .degraded(
                    .followFailed(target: 1), since: MonitorInstant(milliseconds: 7000),
                    rerunAt: MonitorInstant(milliseconds: 22_000)))
    }

    @Test("a witness never elects: it waits for the new primary and follows it")
    func witness() {
        var daemon = Daemon(4, settings())
        daemon.loseUpstream(at: 10_000)
        #expect(daemon.state.phase == .waitingForNewPrimary(expected: nil, since: MonitorInstant(milliseconds: 11_000)))
        daemon.send(.primaryAnnounced(nodeID: 2, term: 2), at: 11_500)
        daemon.send(.followFinished(nodeID: 2, success: true, detail: ""), at: 11_600)
        #expect(daemon.state.upstreamNodeID == 2)
        #expect(
            daemon.effects.contains(
                .recordEvent(
                    MonitorEvent(
                        "repmgrd_failover_follow",
                        details: "witness node \"witness\" (ID: 4) now following new primary node \"node2\" (ID: 2)",
                        primaryNodeID: 2))))
    }

    @Test("a failed follow is retried after a pause that doubles, not at every poll that names the primary")
    func followBackoff() throws {
        var daemon = Daemon(4, settings())
        daemon.loseUpstream(at: 10_000)
        daemon.send(.primaryAnnounced(nodeID: 2, term: 2), at: 11_500)
        #expect(daemon.effects.contains(.follow(nodeID: 2)))
        let failed = daemon.send(.followFinished(nodeID: 2, success: false, detail: "exit code 1"), at: 11_600)
        let first = try #require(daemon.state.followBackoff)
        #expect(first.failures == 1)
        #expect(
            failed.contains {
                if case .log(.error, let text) = $0 { text.contains("next attempt in") } else { false }
            })
        let early = daemon.send(.primaryAnnounced(nodeID: 2, term: 2), at: first.notBefore.milliseconds - 1)
        #expect(!early.contains(.follow(nodeID: 2)), "\(early)")
        let due = daemon.send(.primaryAnnounced(nodeID: 2, term: 2), at: first.notBefore.milliseconds)
        #expect(due.contains(.follow(nodeID: 2)), "\(due)")
        daemon.send(.followFinished(nodeID: 2, success: false, detail: "exit code 1"), at: first.notBefore.milliseconds)
        let second = try #require(daemon.state.followBackoff)
        #expect(second.failures == 2)
        #expect(
            second.notBefore.milliseconds(since: first.notBefore)
                == 2 * first.notBefore.milliseconds(since: MonitorInstant(milliseconds: 11_600)))
        daemon.send(.primaryAnnounced(nodeID: 2, term: 2), at: second.notBefore.milliseconds)
        daemon.send(.followFinished(nodeID: 2, success: true, detail: ""), at: second.notBefore.milliseconds + 10)
        #expect(daemon.state.followBackoff == nil)
        #expect(daemon.state.upstreamNodeID == 2)
    }

    @Test("a primary that learns of a newer term fences itself, and rejoins with auto_rejoin")
    func supersededPrimary() {
        var fenced = Daemon(1, settings())
        fenced.send(.primaryAnnounced(nodeID: 2, term: 2), at: 5000)
        #expect(fenced.effects.contains(.fenceLocalNode(newPrimary: 2, term: 2)))
        #expect(
            fenced.state.phase
                == .degraded(
                    .superseded(newPrimary: 2, term: 2), since: MonitorInstant(milliseconds: 5000), rerunAt: nil))
        #expect(fenced.state.reportedTerm == 1)

        var rejoining = Daemon(1, settings(autoRejoin: true))
        rejoining.send(
            .peersPolled(
                localLSN: nil, views: [peer(2, lsn: nil, inRecovery: false, term: 2, primary: 2, upstream: nil)]),
            at: 5000)
        #expect(rejoining.effects.contains(.rejoin(nodeID: 2)))
        rejoining.send(.rejoinFinished(nodeID: 2, success: true, detail: ""), at: 8000)
        #expect(rejoining.state.role == .standby)
        #expect(rejoining.state.upstreamNodeID == 2)

        var current = Daemon(2, settings(), nodes: cluster())
        current.send(.localNodeRunsAsPrimary, at: 100)
        current.send(
            .peersPolled(
                localLSN: nil,
                views: [peer(3, lsn: lsn, term: 1, primary: 1), peer(4, lsn: nil, witness: true, term: 1)]),
            at: 200)
        #expect(current.state.role == .primary)
    }

    @Test("after a restart mid-promotion the daemon waits for that promotion instead of running another")
    func restartDuringPromotion() {
        let context = MonitorContext(nodeID: 2, settings: settings(), nodes: cluster(), term: 1)
        let vote = VoteRecord(term: 2, candidateID: 2, grantedAt: MonitorInstant(milliseconds: 4000))
        var (state, _) = FailoverMonitor.start(context: context, now: MonitorInstant(milliseconds: 5000), vote: vote)
        for (observation, time) in [
            (MonitorObservation.upstreamUnreachable(nodeID: 1, detail: ""), Int64(5001)), (.tick, 6001),
            (.upstreamUnreachable(nodeID: 1, detail: ""), 6002),
            (.peersPolled(localLSN: LSN(lsn), views: [peer(3, lsn: lsn), peer(4, lsn: nil, witness: true)]), 6010),
        ] {
            (state, _) = FailoverMonitor.step(
                state, observation, now: MonitorInstant(milliseconds: time), context: context)
        }
        #expect(state.phase == .waitingForNewPrimary(expected: 2, since: MonitorInstant(milliseconds: 6010)))
        #expect(state.lastDecision?.result == .notCandidate(.votedFor(candidate: 2, term: 2), expectedWinner: 2))
        (state, _) = FailoverMonitor.step(
            state, .promotionFinished(success: true, detail: ""), now: MonitorInstant(milliseconds: 6500),
            context: context)
        #expect(state.role == .primary)
        #expect(state.promotedTerm == 2)
    }

    @Test("the primary re-announces itself to nodes still in an older term")
    func stragglers() {
        var primary = Daemon(1, settings())
        primary.send(.peersPolled(localLSN: nil, views: [peer(2, lsn: lsn), peer(3, lsn: lsn, term: 0)]), at: 100)
        #expect(primary.effects.contains(.announcePrimary(term: 1, to: [3])))
    }

    @Test("the primary's own server: retries, degraded monitoring, recovery")
    func localNode() {
        var primary = Daemon(1, settings())
        // Two of the three voters grant the first lease request: held until 5.881 s, fenced at 4.881 s.
        let first = LeaseRequest(holderID: 1, term: 1, sequence: 1)
        for voter in [2, 3] {
            primary.send(
                .leaseReplied(
                    LeaseReply(
                        voterID: voter, request: first, granted: true, reason: "granted", knownTerm: 1,
                        knownPrimaryID: 1)), at: 10)
        }
        primary.send(.localNodeUnreachable(detail: "connection refused"), at: 2000)
        #expect(primary.events == ["repmgrd_local_disconnect"])
        primary.send(.tick, at: 3000)
        #expect(primary.effects.contains(.checkLocalNode))
        primary.send(.localNodeUnreachable(detail: "connection refused"), at: 3001)
        #expect(
            primary.state.phase == .degraded(.localNodeDown, since: MonitorInstant(milliseconds: 3001), rerunAt: nil))
        primary.send(.tick, at: 4000)
        primary.send(.localNodeReachable, at: 4001)
        #expect(primary.state.phase == .monitoring)
        #expect(primary.events == ["repmgrd_local_reconnect"])

        var standby = Daemon(2, settings(attempts: 1))
        standby.send(.localNodeUnreachable(detail: ""), at: 1000)
        #expect(standby.events == ["standby_failure"])
        #expect(standby.effects.contains(.setNodeActive(nodeID: 2, active: false)))
    }

    @Test("failover_validation_command: success promotes, failure reruns the election")
    func validation() {
        var daemon = Daemon(2, settings(validation: true), nodes: cluster(standbyUpstreams: [2: 1], witness: false))
        daemon.loseUpstream(at: 10_000)
        daemon.send(.peersPolled(localLSN: LSN(lsn), views: []), at: 11_000)
        #expect(
            daemon.effects.contains(
                .runValidationCommand(
                    ValidationFacts(
                        nodeID: 2, nodeName: "node2", visibleNodes: 1, sharedUpstreamNodes: 1, totalNodes: 2))))
        daemon.send(.validationFinished(success: false, detail: "exit code 1"), at: 11_200)
        #expect(daemon.state.phase.name == "degraded")
        #expect(daemon.state.lastDecision?.result == .rerun)
        #expect(daemon.state.lastDecision?.lines.contains("validation: failover_validation_command failed") == true)
    }

    @Test("degraded_monitoring_timeout makes the daemon exit")
    func degradedTimeout() {
        var limited = settings(failover: .manual)
        limited.degradedMonitoringTimeout = 30_000
        var daemon = Daemon(2, limited)
        daemon.loseUpstream(at: 10_000)
        daemon.send(.tick, at: 41_000)
        #expect(daemon.effects.contains(.exitDaemon(reason: "degraded monitoring timeout (30 seconds) exceeded")))
    }

    @Test("every step ends with exactly one wake-up, never in the past")
    func wakeUps() {
        var daemon = Daemon(2, settings())
        let observations: [MonitorObservation] = [
            .tick, .upstreamReachable(nodeID: 1), .walReceiverDropped(detail: ""),
            .upstreamUnreachable(nodeID: 1, detail: ""),
            .tick, .upstreamUnreachable(nodeID: 1, detail: ""), .pause, .unpause, .tick,
        ]
        for (offset, observation) in observations.enumerated() {
            let time = Int64(offset) * 700
            daemon.send(observation, at: time)
            let wakeUps = daemon.effects.filter { if case .wakeUp = $0 { return true } else { return false } }
            #expect(wakeUps.count == 1)
            #expect(daemon.effects.last.map { if case .wakeUp = $0 { return true } else { return false } } == true)
            #expect((daemon.wakeUp ?? -1) >= time)
        }
    }

    @Test("settings come from repmgr.conf, durations in milliseconds")
    func settingsFromConfiguration() {
        var configuration = NodeConfiguration(
            nodeID: 2, nodeName: "node2", conninfo: "host=127.0.0.1 connect_timeout=2", dataDirectory: "/data")
        configuration.failover = .automatic
        configuration.reconnectAttempts = 2
        configuration.reconnectInterval = 1
        configuration.degradedMonitoringTimeout = -1
        configuration.failoverValidationCommand = "/bin/true %n"
        let converted = FailoverSettings(configuration: configuration)
        #expect(converted.reconnectInterval == 1000)
        #expect(converted.reconnectAttempts == 2)
        #expect(converted.peerTimeout == 2000)
        #expect(converted.monitorInterval == 2000)
        #expect(converted.degradedMonitoringTimeout == nil)
        #expect(converted.hasValidationCommand)
        #expect(converted.isPromotionCandidate)
        #expect(converted.electionRerunInterval == 15_000)
        #expect(MonitorInstant(milliseconds: 1_005).description == "1.005s")
    }
}
