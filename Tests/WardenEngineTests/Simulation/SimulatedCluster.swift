import Foundation

@testable import WardenEngine

/// A deterministic simulated cluster: machines, PostgreSQL servers, WAL positions, node records,
/// a network that can be cut anywhere, and one REAL ``FailoverMonitor`` per node, driven by a
/// simulated driver on a fake clock. Faults come from a ``SimulationScenario``; invariants are
/// checked after every step; the run ends once the healed cluster has converged (or fails).
final class SimulatedCluster {
    /// What a simulated server currently runs as.
    enum ServerRole {
        case primary
        case standby
        case witness
    }

    /// The ground truth about one node (a class: the simulation reads it far more often than it
    /// changes it, and copies of it would be costly).
    final class Node {
        let id: Int
        let settings: FailoverSettings
        var machineUp = true
        /// Crashed for good: the heal does not bring it back.
        var lostForever = false
        /// Counts machine boots: an action started before a crash never finishes.
        var boot = 0
        var postgresUp = true
        var hungUntil: Int64 = 0
        var role: ServerRole
        var fenced = false
        var streamingFrom: Int?
        var lsn: UInt64 = 0x300_0000
        var lsnAt: Int64 = 0
        var lag: UInt64
        var records: [NodeRecord]
        var votingTerm = 1
        var monitor: MonitorState?
        var timerToken = 0
        /// When the pending timer fires (nil: none pending).
        var timerAt: Int64?
        var persistedVote: VoteRecord?
        /// The views the last poll returned.
        var lastPoll: [PeerView] = []
        /// Its daemon stopped the server when the lease ran out and wrote standby.signal: it
        /// starts as a standby, and the heal does not start it (it was stopped on purpose).
        var selfFenced = false
        /// The data directory holds the self-fence marker (its daemon fenced it when the lease ran
        /// out), until the daemon resumes the server or it is rejoined.
        var fenceMarker: Int?
        /// Its daemon was started while the server was down: it starts monitoring once the server runs.
        var daemonWaitsForServer = false
        /// When its daemon last started.
        var daemonStartedAt: Int64 = 0
        /// When its server last started, or its frozen machine ran again (a returning primary is measured from then).
        var serverStartedAt: Int64 = 0
        /// When its daemon last asked for its promotion (the election it won was over by then).
        var promotionAskedAt: Int64?
        let clockRatePPM: Int64
        let clockOffset: Int64

        init(
            id: Int, settings: FailoverSettings, role: ServerRole, streamingFrom: Int?, lag: UInt64,
            records: [NodeRecord], clockRatePPM: Int64, clockOffset: Int64
        ) {
            self.clockRatePPM = clockRatePPM
            self.clockOffset = clockOffset
            self.id = id
            self.settings = settings
            self.role = role
            self.streamingFrom = streamingFrom
            self.lag = lag
            self.records = records
        }
    }

    let scenario: SimulationScenario
    let nodes: [Node]
    private var links: [[Bool]]
    private var random: SimulationRandom
    private var queue = SimulationEventQueue()
    private(set) var now: Int64 = 0
    private var paused = false
    private var healed = false
    /// When each node's driver is done with the actions it already started (it runs them one
    /// after the other, as a real driver performs effects in order).
    private var busyUntil: [Int64]
    /// What reached each hung node; it is processed, in order, when the node runs again.
    private var held: [[SimulationEvent]]
    /// When the last poll each node's driver asked for is answered.
    private var pollsAnsweredUntil: [Int64]
    /// Who was asked to promote in each term (at most one, ever).
    private var promotionsByTerm: [Int: Int] = [:]
    /// The voters that recorded a vote for (term, candidate), from their own `recordVote` effects.
    private var votesByTerm: [Int: [Int: [Int]]] = [:]
    /// The candidate each voter backed in each term.
    private var voteOf: [Int: [Int: Int]] = [:]
    private(set) var failure: String?
    private(set) var steps = 0
    private(set) var promotions = 0
    /// When the first promotion was asked for, and when each node's first follow was.
    private(set) var firstPromotionRequest: Int64?
    private(set) var firstFollowRequest: [Int: Int64] = [:]
    private(set) var trace: [String] = []
    private let tracing: Bool
    /// The longest time two servers accepted writes at once because a killed former primary's
    /// server was started again before its daemon learnt of the new primary (the returning-primary
    /// window, which no lease can close: see the README).
    private(set) var longestReturningPrimaryWindow: Int64 = 0
    private var returningPrimarySince: Int64?
    /// Since when each writable primary has been unable to reach enough voters to hold its lease.
    private var cutOffSince: [Int: Int64] = [:]

    init(scenario: SimulationScenario, tracing: Bool = false) {
        self.scenario = scenario
        self.tracing = tracing
        random = SimulationRandom(seed: scenario.seed ^ 0xD1B5_4A32_D192_ED03)
        let records = scenario.records
        nodes = scenario.nodes.map { spec in
            Node(
                id: spec.id, settings: spec.settings,
                role: spec.type == .primary ? .primary : spec.type == .witness ? .witness : .standby,
                streamingFrom: spec.upstream, lag: spec.lag, records: records, clockRatePPM: spec.clockRatePPM,
                clockOffset: spec.clockOffset)
        }
        links = Array(
            repeating: Array(repeating: true, count: scenario.nodes.count + 1), count: scenario.nodes.count + 1)
        busyUntil = Array(repeating: 0, count: scenario.nodes.count)
        held = Array(repeating: [], count: scenario.nodes.count)
        pollsAnsweredUntil = Array(repeating: 0, count: scenario.nodes.count)
    }

    /// When an action of `node` taking `duration` ends, after the ones it already started.
    private func actionEnd(_ node: Int, after duration: Int64) -> Int64 {
        let end = max(now, busyUntil[index(node)]) + duration
        busyUntil[index(node)] = end
        return end
    }

    // MARK: - Running

    /// Runs the scenario to convergence or failure; returns the failure, if any.
    func run() -> String? {
        for node in nodes { startDaemon(node.id) }
        for (time, fault) in scenario.faults { queue.push(.fault(fault), at: time) }
        queue.push(.heal, at: scenario.healAt)
        queue.push(.audit, at: scenario.healAt + 500)
        while failure == nil, let (time, event) = queue.pop() {
            if time > now { checkInstant() }
            now = time
            if now > scenario.horizon {
                fail("no convergence by \(scenario.horizon) ms: " + convergenceProblem())
                break
            }
            if case .audit = event {
                if convergenceProblem().isEmpty { return nil }
                queue.push(.audit, at: now + 500)
                continue
            }
            handle(event)
        }
        return failure
    }

    private func handle(_ event: SimulationEvent) {
        switch event {
        case .observe(let node, let observation):
            deliver(observation, to: node)
        case .voteRequest(let node, let request):
            deliver(.voteRequested(request, localLSN: receivedLSN(node)), to: node)
        case .timer(let node, let token):
            guard nodes[index(node)].timerToken == token else { return }
            nodes[index(node)].timerAt = nil
            deliver(.tick, to: node)
        case .fault(let fault):
            if !healed { inject(fault) }
        case .restartPostgres(let node):
            if !healed { startPostgres(node) }
        case .restartMachine(let node):
            if !healed { startMachine(node) }
        case .setLink(let a, let b, let up):
            if !healed { setLink(a, b, up: up) }
        case .setOneWay(let from, let to, let up):
            if !healed {
                freezeWAL()
                links[from][to] = up
            }
        case .unpause:
            if !healed { setPaused(false) }
        case .resume(let node):
            resume(node)
        case .heal:
            heal()
        case .finishPromotion(let node, let term, let success, let boot):
            if nodes[index(node)].boot == boot { finishPromotion(node, term: term, success: success) }
        case .finishFollow(let node, let target, let success, let boot):
            if nodes[index(node)].boot == boot { finishFollow(node, target: target, success: success) }
        case .finishRejoin(let node, let target, let success, let boot):
            if nodes[index(node)].boot == boot { finishRejoin(node, target: target, success: success) }
        case .audit:
            break
        }
    }

    // MARK: - Clocks

    /// What node `node`'s monotonic clock reads now: each runs at its own rate, from its own origin.
    func localNow(_ node: Int) -> MonitorInstant {
        let state = nodes[index(node)]
        return MonitorInstant(milliseconds: state.clockOffset + now + now * state.clockRatePPM / 1_000_000)
    }

    /// The first simulated instant at which node `node`'s clock reads at least `local`.
    private func globalTime(_ node: Int, reading local: MonitorInstant) -> Int64 {
        let state = nodes[index(node)]
        let elapsed = local.milliseconds - state.clockOffset
        var time = elapsed * 1_000_000 / (1_000_000 + state.clockRatePPM)
        while state.clockOffset + time + time * state.clockRatePPM / 1_000_000 < local.milliseconds { time += 1 }
        while time > 0,
            state.clockOffset + (time - 1) + (time - 1) * state.clockRatePPM / 1_000_000 >= local.milliseconds
        {
            time -= 1
        }
        return time
    }

    // MARK: - Daemons

    private func context(_ node: Int) -> MonitorContext {
        syncRecords(node)
        let state = nodes[index(node)]
        return MonitorContext(nodeID: node, settings: state.settings, nodes: state.records, term: state.votingTerm)
    }

    private func startDaemon(_ node: Int) {
        // A server its daemon fenced for its lease is started (as a standby) by the next daemon.
        if !nodes[index(node)].postgresUp, nodes[index(node)].fenceMarker != nil, nodes[index(node)].machineUp {
            nodes[index(node)].daemonWaitsForServer = false
            startPostgres(node)
        }
        // The real daemon waits until it can connect to its own server before it starts monitoring.
        guard nodes[index(node)].postgresUp else {
            nodes[index(node)].daemonWaitsForServer = true
            return
        }
        nodes[index(node)].daemonWaitsForServer = false
        nodes[index(node)].timerAt = nil
        nodes[index(node)].daemonStartedAt = now
        let server = nodes[index(node)]
        let (state, effects) = FailoverMonitor.start(
            context: context(node), now: localNow(node),
            runsAsPrimary: server.role == .witness ? nil : server.role == .primary,
            upstreamNodeID: server.role == .standby ? server.streamingFrom : nil, vote: server.persistedVote,
            paused: paused, leaseFencedTerm: server.fenceMarker)
        nodes[index(node)].monitor = state
        perform(effects, of: node)
    }

    private func deliver(_ observation: MonitorObservation, to node: Int) {
        let i = index(node)
        guard nodes[i].machineUp, let before = nodes[i].monitor else { return }
        if nodes[i].hungUntil > now {
            held[i].append(.observe(node, observation))
            return
        }
        steps += 1
        let (after, effects) = FailoverMonitor.step(
            before, observation, now: localNow(node), context: context(node))
        nodes[i].monitor = after
        if after.term < before.term {
            fail("node \(node)'s term went back from \(before.term) to \(after.term)")
        }
        if tracing {
            trace.append(
                "\(now) node\(node) \(String(describing: observation).prefix(Int(ProcessInfo.processInfo.environment["PGWARDEN_SIM_WIDTH"] ?? "") ?? 150)) -> \(after.phase.name)"
            )
        }
        perform(effects, of: node)
    }

    // MARK: - The simulated driver

    private func perform(_ effects: [MonitorEffect], of node: Int) {
        let i = index(node)
        for effect in effects {
            guard failure == nil else { return }
            switch effect {
            case .wakeUp(let at):
                // The driver keeps one timer; re-arming it for the same instant changes nothing.
                let time = max(globalTime(node, reading: at), now)
                if nodes[i].timerAt != time {
                    nodes[i].timerToken += 1
                    nodes[i].timerAt = time
                    queue.push(.timer(node, token: nodes[i].timerToken), at: time)
                }
            case .checkUpstream(let target):
                if nodes[i].role == .primary && nodes[i].postgresUp {
                    queue.push(.observe(node, .localNodeRunsAsPrimary), at: now + 1)
                }
                let (reachable, delay) = check(from: node, of: target)
                let result: MonitorObservation =
                    reachable
                    ? .upstreamReachable(nodeID: target) : .upstreamUnreachable(nodeID: target, detail: "no response")
                queue.push(.observe(node, result), at: now + delay)
            case .checkLocalNode:
                let result: MonitorObservation =
                    nodes[i].postgresUp ? .localNodeReachable : .localNodeUnreachable(detail: "connection refused")
                queue.push(.observe(node, result), at: now + 1)
            case .pollPeers(let ids, let bestEffort):
                poll(from: node, ids, bestEffort: bestEffort)
            case .recordVote(let vote):
                nodes[i].persistedVote = vote
                recordVote(of: node, vote)
            case .requestVotes(let request, let voters):
                for voter in voters where canReach(node, voter) && !lost() {
                    queue.push(.voteRequest(voter, request), at: now + latency())
                }
            case .requestLease(let request, let voters):
                for voter in voters { send(.leaseRequested(request), from: node, to: voter) }
            case .sendLeaseReply(let reply, let holder):
                send(.leaseReplied(reply), from: node, to: holder)
            case .releaseLease(let release, let voters):
                for voter in voters { send(.leaseReleased(release), from: node, to: voter) }
            case .resumeLocalServer:
                guard nodes[i].fenceMarker != nil, nodes[i].machineUp else { break }
                nodes[i].fenceMarker = nil
                if nodes[i].postgresUp, nodes[i].role == .standby {
                    // Started meanwhile as a standby (standby.signal): the driver promotes it.
                    freezeWAL()
                    nodes[i].role = .primary
                    nodes[i].streamingFrom = nil
                } else if !nodes[i].postgresUp {
                    nodes[i].selfFenced = false
                    startPostgres(node)
                }
            case .isolateLocalServer:
                // The driver signals the postmaster and waits until it is gone before it goes on;
                // no session commits after the signal.
                isolateServer(node)
            case .sendVoteReply(let reply, let candidate):
                send(.voteReplied(reply), from: node, to: candidate)
            case .withdrawCandidacy(let term, let voters):
                for voter in voters { send(.candidacyWithdrawn(nodeID: node, term: term), from: node, to: voter) }
            case .runValidationCommand:
                let success = !random.percent(scenario.validationFailurePercent)
                queue.push(
                    .observe(node, .validationFinished(success: success, detail: success ? "" : "exit code 1")),
                    at: now + random.int64(50...500))
            case .promote(let term):
                firstPromotionRequest = firstPromotionRequest ?? now
                nodes[i].promotionAskedAt = now
                checkPromotion(of: node, term: term)
                let success = !random.percent(scenario.promotionFailurePercent)
                queue.push(
                    .finishPromotion(node, term: term, success: success, boot: nodes[i].boot),
                    at: actionEnd(node, after: random.int64(100...1500)))
            case .setNodeActive(let target, let active):
                writeRecords(from: node) { records in
                    if let r = records.firstIndex(where: { $0.nodeID == target }) { records[r].active = active }
                }
            case .announcePrimary(let term, let recipients):
                for recipient in recipients {
                    send(.primaryAnnounced(nodeID: node, term: term), from: node, to: recipient)
                }
            case .follow(let target):
                if firstFollowRequest[node] == nil { firstFollowRequest[node] = now }
                let slow = random.percent(scenario.slowFollowPercent)
                let success = !random.percent(scenario.followFailurePercent)
                let delay = slow ? random.int64(2000...10_000) : random.int64(100...1500)
                queue.push(
                    .finishFollow(node, target: target, success: success, boot: nodes[i].boot),
                    at: actionEnd(node, after: delay))
            case .fenceLocalNode:
                freezeWAL()
                if nodes[i].role == .primary { nodes[i].fenced = true }
            case .rejoin(let target):
                queue.push(
                    .finishRejoin(node, target: target, success: true, boot: nodes[i].boot),
                    at: actionEnd(node, after: random.int64(500...3000)))
            case .recordDecision(let explanation):
                if tracing {
                    trace.append("\(now) node\(node) DECISION\n" + explanation.text)
                    let records = nodes[i].records.map {
                        "\($0.nodeID):\($0.type)\($0.active ? "" : "(inactive)")<-\($0.upstreamNodeID.map(String.init) ?? "-")"
                    }
                    trace.append("  its records: " + records.joined(separator: ", "))
                }
            case .log(let level, let message):
                if tracing { trace.append("\(now) node\(node) [\(level.label)] \(message)") }
            case .recordEvent, .updateMonitoringHistory:
                break
            case .exitDaemon(let reason):
                fail("node \(node)'s daemon exited: \(reason)")
            }
        }
    }

    private func send(_ observation: MonitorObservation, from node: Int, to recipient: Int) {
        guard canReach(node, recipient), !lost() else { return }
        queue.push(.observe(recipient, observation), at: now + latency())
    }

    /// Whether this message is lost in transit.
    private func lost() -> Bool { random.percent(scenario.lostMessagePercent) }

    private func latency() -> Int64 {
        random.percent(scenario.delayedMessagePercent) ? random.int64(100...2000) : random.int64(1...30)
    }

    /// A check of `target`'s server from `node`: answered quickly, refused quickly when only the
    /// server is down, or timed out (`connect_timeout`) when the machine or the network is.
    private func check(from node: Int, of target: Int) -> (reachable: Bool, delay: Int64) {
        let timeout = nodes[index(node)].settings.peerTimeout
        if canReach(node, target) {
            return nodes[index(target)].postgresUp ? (true, latency()) : (false, latency())
        }
        return (false, timeout)
    }

    private func poll(from node: Int, _ ids: [Int], bestEffort: [Int]) {
        // Reading the local LSN tells the driver what its server runs as.
        if nodes[index(node)].role == .primary, nodes[index(node)].postgresUp,
            nodes[index(node)].monitor?.role == .standby
        {
            queue.push(.observe(node, .localNodeRunsAsPrimary), at: now)
        }
        var views: [PeerView] = []
        var delay: Int64 = 1
        let records = nodes[index(node)].records
        for peer in ids {
            let state = nodes[index(peer)]
            let record =
                records.first { $0.nodeID == peer }
                ?? NodeRecord(
                    nodeID: peer, upstreamNodeID: nil, nodeName: "node\(peer)", type: .standby, conninfo: "",
                    replicationUser: "", configFile: "")
            guard canReach(node, peer), state.postgresUp else {
                // A cut-off peer costs the daemon a peer timeout, unless the poll does not wait for it.
                if !bestEffort.contains(peer) {
                    delay = max(delay, canReach(node, peer) ? latency() : nodes[index(node)].settings.peerTimeout)
                }
                views.append(.unreachable(record))
                continue
            }
            delay = max(delay, latency())
            let inRecovery = state.role == .standby
            let lsn = state.role == .standby ? LSN(currentLSN(peer)) : nil
            if let monitor = state.monitor {
                views.append(
                    monitor.report(
                        nodeID: peer, settings: state.settings, inRecovery: inRecovery, receivedLSN: lsn,
                        now: localNow(peer)))
            } else {
                views.append(
                    PeerView(
                        nodeID: peer, reachable: true, daemonRunning: false, isWitness: state.role == .witness,
                        inRecovery: inRecovery, receivedLSN: lsn, priority: state.settings.priority,
                        location: state.settings.location, failover: nil, upstreamNodeID: nil, seesUpstream: false,
                        upstreamLastSeenAgo: nil, term: 0, primaryNodeID: nil, isPaused: false, reportMissing: true))
            }
        }
        nodes[index(node)].lastPoll = views
        // One poll at a time: answers come back in the order asked.
        let answered = max(now + delay, pollsAnsweredUntil[index(node)])
        pollsAnsweredUntil[index(node)] = answered
        queue.push(.observe(node, .peersPolled(localLSN: receivedLSN(node), views: views)), at: answered)
    }

    /// The local server's last received LSN as the driver reads it (standbys only).
    private func receivedLSN(_ node: Int) -> LSN? {
        let state = nodes[index(node)]
        guard state.postgresUp, state.role == .standby else { return nil }
        return LSN(currentLSN(node))
    }

    // MARK: - Actions that take time

    private func finishPromotion(_ node: Int, term: Int, success: Bool) {
        let i = index(node)
        guard nodes[i].machineUp else { return }
        if nodes[i].hungUntil > now {
            held[i].append(.finishPromotion(node, term: term, success: success, boot: nodes[i].boot))
            return
        }
        let works = success && nodes[i].postgresUp && nodes[i].role == .standby
        if works {
            freezeWAL()
            nodes[i].role = .primary
            nodes[i].streamingFrom = nil
            nodes[i].fenced = false
            nodes[i].votingTerm = max(nodes[i].votingTerm, term)
            for r in nodes[i].records.indices where nodes[i].records[r].nodeID == node {
                nodes[i].records[r].type = .primary
                nodes[i].records[r].upstreamNodeID = nil
                nodes[i].records[r].active = true
            }
            promotions += 1
        }
        deliver(.promotionFinished(success: works, detail: works ? "" : "promotion failed"), to: node)
    }

    private func finishFollow(_ node: Int, target: Int, success: Bool) {
        let i = index(node)
        guard nodes[i].machineUp else { return }
        if nodes[i].hungUntil > now {
            held[i].append(.finishFollow(node, target: target, success: success, boot: nodes[i].boot))
            return
        }
        let t = index(target)
        let works =
            success && canReach(node, target) && nodes[t].postgresUp && nodes[t].role != .witness
            && nodes[i].postgresUp && nodes[i].role != .primary
        if works {
            freezeWAL()
            nodes[i].streamingFrom = target
            if nodes[i].role == .standby { nodes[i].lsn = max(nodes[i].lsn, currentLSN(target)) }
            writeRecords(from: target) { records in
                if let r = records.firstIndex(where: { $0.nodeID == node }) {
                    records[r].upstreamNodeID = target
                    records[r].active = true
                }
            }
            nodes[i].records = nodes[t].records
            nodes[i].votingTerm = nodes[t].votingTerm
        }
        deliver(.followFinished(nodeID: target, success: works, detail: works ? "" : "follow failed"), to: node)
    }

    private func finishRejoin(_ node: Int, target: Int, success: Bool) {
        let i = index(node)
        guard nodes[i].machineUp else { return }
        if nodes[i].hungUntil > now {
            held[i].append(.finishRejoin(node, target: target, success: success, boot: nodes[i].boot))
            return
        }
        let t = index(target)
        // A server its own daemon stopped (self-fenced) is rejoined while down, as the driver does.
        let works =
            success && canReach(node, target) && nodes[t].postgresUp && nodes[t].role != .witness
            && (nodes[i].postgresUp || nodes[i].selfFenced)
        if works {
            freezeWAL()
            nodes[i].selfFenced = false
            nodes[i].fenceMarker = nil
            nodes[i].postgresUp = true
            nodes[i].serverStartedAt = now
            nodes[i].role = .standby
            nodes[i].fenced = false
            nodes[i].streamingFrom = target
            nodes[i].lsn = currentLSN(target)
            writeRecords(from: target) { records in
                if let r = records.firstIndex(where: { $0.nodeID == node }) {
                    records[r].type = .standby
                    records[r].upstreamNodeID = target
                    records[r].active = true
                }
            }
            nodes[i].records = nodes[t].records
            nodes[i].votingTerm = nodes[t].votingTerm
        }
        deliver(.rejoinFinished(nodeID: target, success: works, detail: works ? "" : "rejoin failed"), to: node)
    }

    // MARK: - Faults

    private func inject(_ fault: SimulationScenario.Fault) {
        freezeWAL()
        if tracing { trace.append("\(now) FAULT \(fault)") }
        switch fault {
        case .killPostgres(let target, let downFor):
            guard let node = resolve(target) else { return }
            stopPostgres(node)
            if let downFor { queue.push(.restartPostgres(node), at: now + downFor) }
        case .crashMachine(let target, let downFor, let permanent):
            guard let node = resolve(target) else { return }
            nodes[index(node)].machineUp = false
            nodes[index(node)].lostForever = permanent
            nodes[index(node)].boot += 1
            busyUntil[index(node)] = 0
            held[index(node)] = []
            nodes[index(node)].postgresUp = false
            nodes[index(node)].monitor = nil
            if let downFor { queue.push(.restartMachine(node), at: now + downFor) }
        case .hang(let target, let duration):
            guard let node = resolve(target) else { return }
            nodes[index(node)].hungUntil = max(nodes[index(node)].hungUntil, now + duration)
            queue.push(.resume(node), at: nodes[index(node)].hungUntil)
        case .partition(let group, let duration):
            for a in group {
                for b in nodes.map(\.id) where !group.contains(b) {
                    setLink(a, b, up: false)
                    if let duration { queue.push(.setLink(a, b, up: true), at: now + duration) }
                }
            }
        case .isolate(let target, let duration):
            guard let node = resolve(target) else { return }
            for other in nodes.map(\.id) where other != node {
                setLink(node, other, up: false)
                if let duration { queue.push(.setLink(node, other, up: true), at: now + duration) }
            }
        case .oneWay(let from, let to, let duration):
            links[from][to] = false
            if let duration { queue.push(.setOneWay(from: from, to: to, up: true), at: now + duration) }
        case .cutLink(let a, let b, let duration):
            setLink(a, b, up: false)
            if let duration { queue.push(.setLink(a, b, up: true), at: now + duration) }
        case .flap(let a, let b, let toggles, let period):
            for toggle in 0..<toggles {
                queue.push(.setLink(a, b, up: toggle % 2 == 1), at: now + Int64(toggle) * period)
            }
            queue.push(.setLink(a, b, up: true), at: now + Int64(toggles) * period)
        case .restartDaemon(let node):
            guard nodes[index(node)].machineUp else { return }
            nodes[index(node)].monitor = nil
            startDaemon(node)
        case .pause(let duration):
            setPaused(true)
            if let duration { queue.push(.unpause, at: now + duration) }
        case .setLag(let node, let lag):
            nodes[index(node)].lag = lag
        }
    }

    /// A hung node runs again: what reached it meanwhile is processed now, in order.
    private func resume(_ node: Int) {
        let i = index(node)
        guard nodes[i].hungUntil <= now else { return }
        if !held[i].isEmpty { nodes[i].serverStartedAt = now }
        for event in held[i] { queue.push(event, at: now) }
        held[i] = []
    }

    private func resolve(_ target: SimulationScenario.Target) -> Int? {
        switch target {
        case .node(let node): return node
        case .primary: return nodes.first { isWritablePrimary($0.id) }?.id
        }
    }

    private func stopPostgres(_ node: Int) {
        let i = index(node)
        guard nodes[i].postgresUp else { return }
        nodes[i].postgresUp = false
        // The daemon's idle session to its own server closes with the postmaster, and it looks at postmaster.pid.
        if nodes[i].machineUp, nodes[i].monitor != nil {
            queue.push(.observe(node, .localServerStopped), at: now + 1)
        }
        // The killed server's replication connections are reset: its standbys notice at once.
        guard nodes[i].machineUp else { return }
        for other in nodes where other.streamingFrom == node && other.role == .standby && canReach(other.id, node) {
            queue.push(.observe(other.id, .walReceiverDropped(detail: "connection reset")), at: now + latency())
        }
    }

    private func startPostgres(_ node: Int) {
        freezeWAL()
        let i = index(node)
        guard nodes[i].machineUp, !nodes[i].postgresUp else { return }
        startsAsStandbyIfFenced(node)
        nodes[i].postgresUp = true
        nodes[i].serverStartedAt = now
        nodes[i].lsnAt = now
        if nodes[i].daemonWaitsForServer { startDaemon(node) }
    }

    /// A self-fenced server has standby.signal: it comes up in recovery, streaming from nobody.
    private func startsAsStandbyIfFenced(_ node: Int) {
        let i = index(node)
        guard nodes[i].selfFenced else { return }
        nodes[i].selfFenced = false
        if nodes[i].role == .primary {
            nodes[i].role = .standby
            nodes[i].streamingFrom = nil
        }
    }

    /// The self-fencing daemon's stop reaches the postmaster: no write is accepted afterwards.
    private func isolateServer(_ node: Int) {
        let i = index(node)
        guard nodes[i].machineUp else { return }
        freezeWAL()
        nodes[i].selfFenced = true
        nodes[i].fenceMarker = nodes[i].monitor?.lease?.term
        stopPostgres(node)
    }

    private func startMachine(_ node: Int) {
        freezeWAL()
        let i = index(node)
        guard !nodes[i].machineUp else { return }
        nodes[i].machineUp = true
        startsAsStandbyIfFenced(node)
        nodes[i].postgresUp = true
        nodes[i].serverStartedAt = now
        nodes[i].hungUntil = 0
        nodes[i].lsnAt = now
        startDaemon(node)
    }

    private func setLink(_ a: Int, _ b: Int, up: Bool) {
        freezeWAL()
        links[a][b] = up
        links[b][a] = up
    }

    private func setPaused(_ value: Bool) {
        guard paused != value else { return }
        paused = value
        for node in nodes where node.monitor != nil {
            queue.push(.observe(node.id, value ? .pause : .unpause), at: now)
        }
    }

    private func heal() {
        freezeWAL()
        healed = true
        if tracing { trace.append("\(now) HEAL") }
        for a in links.indices {
            for b in links.indices { links[a][b] = true }
        }
        for node in nodes {
            let i = index(node.id)
            nodes[i].hungUntil = min(nodes[i].hungUntil, now)
            resume(node.id)
            if !node.machineUp {
                if !node.lostForever { startMachine(node.id) }
            } else if !node.postgresUp && !node.selfFenced {
                startPostgres(node.id)
            }
        }
        setPaused(false)
    }

    // MARK: - Network, WAL, records

    private func index(_ node: Int) -> Int { node - 1 }

    private func isRunning(_ node: Int) -> Bool {
        let state = nodes[index(node)]
        return state.machineUp && state.hungUntil <= now
    }

    func canReach(_ a: Int, _ b: Int) -> Bool {
        a == b || (links[a][b] && isRunning(a) && isRunning(b))
    }

    func isWritablePrimary(_ node: Int) -> Bool {
        let state = nodes[index(node)]
        return state.role == .primary && state.postgresUp && state.machineUp && !state.fenced
    }

    /// Whether its clients can commit writes on `node` now: a writable primary that is not frozen.
    func acceptsWrites(_ node: Int) -> Bool {
        isWritablePrimary(node) && isRunning(node)
    }

    private func streams(_ node: Int, from source: Int) -> Bool {
        let a = nodes[index(node)]
        let b = nodes[index(source)]
        return a.role == .standby && a.postgresUp && b.postgresUp && b.role != .witness && canReach(node, source)
    }

    /// The WAL position of `node` now: a writable primary advances with time, a standby follows
    /// its source minus its lag (never going back), anything else stays where it stopped.
    func currentLSN(_ node: Int, depth: Int = 0) -> UInt64 {
        let state = nodes[index(node)]
        if isWritablePrimary(node) && isRunning(node) {
            return state.lsn + UInt64(max(now - state.lsnAt, 0)) * scenario.walRate
        }
        if depth < nodes.count, let source = state.streamingFrom, streams(node, from: source) {
            let upstream = currentLSN(source, depth: depth + 1)
            return max(state.lsn, upstream > state.lag ? upstream - state.lag : 0)
        }
        return state.lsn
    }

    /// Fixes every node's WAL position before the world changes.
    private func freezeWAL() {
        let positions = nodes.map { currentLSN($0.id) }
        for i in nodes.indices {
            nodes[i].lsn = positions[i]
            nodes[i].lsnAt = now
        }
    }

    /// A standby's (or witness's) copy of the metadata follows its source while it can reach it.
    private func syncRecords(_ node: Int) {
        var current = node
        for _ in 0..<nodes.count {
            guard let source = nodes[index(current)].streamingFrom, nodes[index(current)].role != .primary,
                canReach(current, source), nodes[index(source)].postgresUp
            else { break }
            current = source
        }
        guard current != node else { return }
        nodes[index(node)].records = nodes[index(current)].records
        nodes[index(node)].votingTerm = nodes[index(current)].votingTerm
    }

    /// Metadata writes go to the primary at the root of `node`'s replication chain, if reachable.
    private func writeRecords(from node: Int, _ change: (inout [NodeRecord]) -> Void) {
        var current = node
        for _ in 0..<nodes.count {
            let state = nodes[index(current)]
            if state.role == .primary { break }
            guard let source = state.streamingFrom, canReach(current, source) else { return }
            current = source
        }
        guard nodes[index(current)].role == .primary, nodes[index(current)].postgresUp else { return }
        change(&nodes[index(current)].records)
    }

    // MARK: - Invariants

    private func fail(_ message: String) {
        if failure == nil { failure = "t=\(now) ms: " + message }
    }

    /// Whether `node`'s daemon holds a lease granted by a majority of its voters, on its own clock.
    private func holdsMajorityLease(_ node: Int) -> Bool {
        let state = nodes[index(node)]
        guard let monitor = state.monitor, monitor.role == .primary, let lease = monitor.lease, !lease.released,
            !lease.lost, state.machineUp
        else { return false }
        let voters = CandidateElection.voters(replacing: node, in: state.records)
        guard let until = lease.majorityValidUntil(voters: voters, settings: state.settings) else { return false }
        return localNow(node) < until
    }

    /// Checked at the end of every simulated instant:
    /// - at most one node holds a lease granted by a majority (each judged on its own clock);
    /// - no two servers accept writes at once, except a former primary whose server was started
    ///   again, or whose frozen machine resumed, before its daemon could act (it must stop within
    ///   its start grace and a peer timeout);
    /// - a primary that cannot reach enough of its voters to hold its lease has stopped taking
    ///   writes within a lease duration.
    private func checkInstant() {
        let holders = nodes.filter { holdsMajorityLease($0.id) }
        if holders.count > 1 {
            fail("nodes \(holders.map(\.id)) hold a majority-granted lease at once")
            return
        }
        let writable = nodes.filter { acceptsWrites($0.id) }
        if writable.count > 1 {
            // A former primary without a majority's lease whose server started again, or whose
            // frozen machine ran again: it takes writes from that moment, before its daemon has
            // run at all (the case no lease covers: see the README); the daemon ends it within
            // its start grace (a restart) or at its first step (a resumed freeze).
            let returning = writable.filter { $0.serverStartedAt > 0 && !holdsMajorityLease($0.id) }
            guard returning.count >= writable.count - 1, let settings = returning.first?.settings else {
                fail("nodes \(writable.map(\.id)) accept writes at once")
                return
            }
            let since = returningPrimarySince ?? now
            returningPrimarySince = since
            let started = returning.map(\.serverStartedAt).min() ?? since
            longestReturningPrimaryWindow = max(longestReturningPrimaryWindow, now - since)
            if now - max(since, started) > settings.leaseStartGrace + settings.peerTimeout + 100 {
                fail("returning primary \(returning.map(\.id)) still accepts writes \(now - since) ms after it started")
            }
        } else {
            returningPrimarySince = nil
        }
        for node in nodes {
            let voters = CandidateElection.voters(replacing: node.id, in: node.records)
            let reachable = voters.filter { canReach(node.id, $0) && canReach($0, node.id) }
            guard acceptsWrites(node.id), !voters.isEmpty,
                reachable.count < PrimaryLease.grantsNeeded(voters: voters.count)
            else {
                cutOffSince[node.id] = nil
                continue
            }
            let since = cutOffSince[node.id] ?? now
            cutOffSince[node.id] = since
            // A daemon that starts meanwhile gives itself its start grace (it cannot know what its predecessor held).
            let bound = max(since + node.settings.leaseDuration, node.daemonStartedAt + node.settings.leaseStartGrace)
            if now > bound + 100 {
                fail("node \(node.id), cut off from its voters since \(since) ms, still accepts writes")
            }
        }
    }

    /// Checked when a daemon asks for its promotion in `term`.
    private func checkPromotion(of node: Int, term: Int) {
        let state = nodes[index(node)]
        if let earlier = promotionsByTerm[term] {
            fail("two promotions in term \(term): node \(earlier) and node \(node)")
            return
        }
        promotionsByTerm[term] = node
        let settings = state.settings
        if settings.failover == .manual { fail("node \(node) with failover=manual promotes") }
        if settings.priority <= 0 { fail("node \(node) with priority 0 promotes") }
        if state.role != .standby { fail("node \(node), not a standby, promotes") }
        guard let monitor = state.monitor, case .promoting(let candidacy) = monitor.phase else {
            fail("node \(node) promotes outside of the promoting phase")
            return
        }
        if monitor.isPaused { fail("node \(node) promotes while paused") }
        let granted = votesByTerm[term]?[node] ?? []
        if granted.count * 2 <= candidacy.voters.count {
            fail("node \(node) promotes in term \(term) with \(granted) of voters \(candidacy.voters)")
        }
        checkLocation(of: node, failedPrimary: candidacy.failedPrimary)
        checkVisibility(of: node, failedPrimary: candidacy.failedPrimary)
        checkRanking(of: node, failedPrimary: candidacy.failedPrimary)
    }

    /// Every vote recorded durably; a voter never backs two candidates in one term.
    private func recordVote(of voter: Int, _ vote: VoteRecord) {
        if let earlier = voteOf[vote.term]?[voter], earlier != vote.candidateID {
            fail("node \(voter) voted for node \(earlier) and node \(vote.candidateID) in term \(vote.term)")
        }
        voteOf[vote.term, default: [:]][voter] = vote.candidateID
        if !(votesByTerm[vote.term]?[vote.candidateID] ?? []).contains(voter) {
            votesByTerm[vote.term, default: [:]][vote.candidateID, default: []].append(voter)
        }
    }

    /// No promotion across a location split: a node of the failed primary's location was visible.
    private func checkLocation(of node: Int, failedPrimary: Int) {
        let location = nodes[index(failedPrimary)].settings.location
        if nodes[index(node)].settings.location == location { return }
        let seen = nodes[index(node)].lastPoll.contains {
            $0.reachable && $0.nodeID != failedPrimary && nodes[index($0.nodeID)].settings.location == location
        }
        if !seen { fail("node \(node) promotes with no node of location \"\(location)\" visible") }
    }

    /// With `primary_visibility_consensus`, no node it polled still saw the failed primary.
    private func checkVisibility(of node: Int, failedPrimary: Int) {
        let settings = nodes[index(node)].settings
        guard settings.primaryVisibilityConsensus else { return }
        for view in nodes[index(node)].lastPoll
        where view.reachable && view.daemonRunning && view.upstreamNodeID == failedPrimary && view.seesUpstream
            && (view.upstreamLastSeenAgo ?? .max) < settings.primaryVisibilityWindow
        {
            fail("node \(node) promotes although node \(view.nodeID) still sees primary node \(failedPrimary)")
        }
    }

    /// The winner ranks first among the eligible siblings it saw; when no writable primary is
    /// left, WAL positions are frozen and the ground truth must agree.
    private func checkRanking(of node: Int, failedPrimary: Int) {
        let winner = nodes[index(node)]
        let winnerLSN = LSN(currentLSN(node))
        let frozen = !nodes.contains { isWritablePrimary($0.id) }
        for view in winner.lastPoll {
            let peer = nodes[index(view.nodeID)]
            guard view.reachable, view.daemonRunning, view.inRecovery == true, view.failover == .automatic,
                view.priority > 0, !view.isPaused, view.upstreamNodeID == failedPrimary,
                peer.monitor?.upstreamNodeID == failedPrimary, let seenLSN = view.receivedLSN
            else { continue }
            let lsn = frozen && canReach(node, view.nodeID) && peer.postgresUp ? LSN(currentLSN(view.nodeID)) : seenLSN
            if CandidateElection.ranksBefore(
                lsn: lsn, priority: view.priority, nodeID: view.nodeID, lsn: winnerLSN,
                priority: winner.settings.priority, nodeID: node)
            {
                fail(
                    "node \(node) (LSN \(winnerLSN), priority \(winner.settings.priority)) promotes although node "
                        + "\(view.nodeID) ranks higher (LSN \(lsn), priority \(view.priority))")
            }
        }
    }

    /// Why the cluster has not converged yet ("" once it has): exactly one writable primary,
    /// promoted in the newest term a living daemon knows, monitored by its daemon; every other node's daemon in normal
    /// monitoring and its server replicating, directly or through a cascade, from that primary —
    /// except `failover=manual` standbys and fenced former primaries, which wait for an operator.
    func convergenceProblem() -> String {
        let primaries = nodes.filter { isWritablePrimary($0.id) }
        if primaries.isEmpty && !canElect() { return "" }
        guard primaries.count == 1, let primary = primaries.first else {
            return "\(primaries.count) writable primaries (\(primaries.map(\.id)))"
        }
        guard let monitor = primary.monitor, monitor.role == .primary, monitor.phase == .monitoring else {
            return "primary node \(primary.id)'s daemon is \(primary.monitor?.phase.name ?? "down")"
        }
        let newest = nodes.compactMap { $0.lostForever ? nil : $0.monitor?.term }.max() ?? 0
        if (monitor.promotedTerm ?? 0) < newest {
            return "primary node \(primary.id) has term \(monitor.promotedTerm ?? 0) < \(newest)"
        }
        for node in nodes where node.id != primary.id && !node.lostForever {
            if node.selfFenced, node.machineUp, !node.postgresUp {
                // Stopped by its own daemon when its lease ran out: it waits for `node rejoin`,
                // unless its daemon runs with auto_rejoin.
                if node.monitor == nil { continue }
                if !node.settings.autoRejoin, let state = node.monitor, case .degraded = state.phase { continue }
            }
            if !node.settings.autoRejoin, let state = node.monitor, state.role == .primary,
                case .degraded(.superseded, _, _) = state.phase, !acceptsWrites(node.id)
            {
                continue  // a superseded former primary, fenced or come back read-only: waits for an operator
            }
            guard node.machineUp, node.postgresUp, let state = node.monitor else {
                return "node \(node.id) is down"
            }
            if node.role == .primary {
                guard node.fenced, !node.settings.autoRejoin, case .degraded(.superseded, _, _) = state.phase else {
                    return "former primary node \(node.id) is \(state.phase.name)"
                }
                continue
            }
            if node.settings.failover == .manual && node.role == .standby {
                switch state.phase {
                case .monitoring, .degraded(.manualFailover, _, _): continue
                default: return "manual node \(node.id) is \(state.phase.name)"
                }
            }
            guard state.phase == .monitoring, let source = node.streamingFrom, state.upstreamNodeID == source,
                reachesPrimary(node.id, primary: primary.id)
            else {
                return
                    "node \(node.id) is \(state.phase.name), upstream \(state.upstreamNodeID.map(String.init) ?? "-"), "
                    + "streaming from \(node.streamingFrom.map(String.init) ?? "-")"
            }
        }
        return ""
    }

    /// Whether the nodes still alive can replace the primary lost for good: some standby may be
    /// promoted (`failover=automatic`, priority above 0, its daemon following that primary), it or
    /// another node sharing that upstream is in the primary's location, and a majority of the
    /// voters and of the nodes sharing the upstream is alive.
    private func canElect() -> Bool {
        guard let dead = nodes.first(where: { $0.lostForever && $0.role == .primary }) else { return true }
        let alive = nodes.filter { !$0.lostForever }
        let records = alive.first?.records ?? []
        let voters = records.filter { $0.active && $0.nodeID != dead.id }
        let aliveVoters = voters.filter { voter in alive.contains { $0.id == voter.nodeID } }
        let siblings = alive.filter { $0.monitor?.upstreamNodeID == dead.id && $0.role != .primary }
        let sharing = records.filter { $0.active && $0.upstreamNodeID == dead.id }.count
        let location = dead.settings.location
        let candidates = siblings.filter {
            $0.role == .standby && $0.settings.isPromotionCandidate
                && ($0.settings.location == location || siblings.contains { $0.settings.location == location })
        }
        return !candidates.isEmpty && aliveVoters.count * 2 > voters.count && siblings.count * 2 > sharing
    }

    private func reachesPrimary(_ node: Int, primary: Int) -> Bool {
        var current = node
        for _ in 0..<nodes.count {
            guard let source = nodes[index(current)].streamingFrom, canReach(current, source) else { return false }
            if source == primary { return true }
            current = source
        }
        return false
    }
}
