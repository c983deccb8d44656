import Foundation
import Synchronization

/// `pgwarden daemon run`: the driver around ``FailoverMonitor``. It feeds the state machine
/// observations (timer ticks, upstream and local checks, the upstream connection closing, peer
/// reports, messages from other daemons, pause changes) and performs the effects it returns
/// (checks, polls, votes, promotion, follow, fencing, events, monitoring history).
///
/// Between events it sleeps in ``DaemonWakeup`` until its next deadline, a delivered message,
/// a finished background check, a signal, or the idle upstream connection closing — so a
/// crashed upstream is noticed the moment its socket closes, at almost no CPU cost.
public final class FailoverDaemon: @unchecked Sendable {
    private var configuration: NodeConfiguration
    private let log: MessageSink
    private let signals: DaemonSignals
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var state: MonitorState
    private var context: MonitorContext
    private var mailbox: DaemonMailbox
    private var local: PostgresConnection?
    private var upstreamWatch: PostgresConnection?
    /// An idle session to the local server while it is the primary: it closes the moment the
    /// postmaster dies, and the daemon then releases its lease at once.
    /// While primary: a descriptor that wakes the loop when the local postmaster exits.
    private var postmasterWatch: PostmasterWatch?
    /// This daemon stopped its server when the lease ran out: it may start it again, or rejoin it while stopped.
    private var serverStoppedByLease = false
    private var wakeAt: MonitorInstant = .zero
    private var pending: [MonitorObservation] = []
    private var paused = false
    private var lastHeartbeat: MonitorInstant = MonitorInstant(milliseconds: Int64.min / 2)
    private var lastWitnessSync: MonitorInstant = MonitorInstant(milliseconds: Int64.min / 2)
    private var lastChildCheck: MonitorInstant = MonitorInstant(milliseconds: Int64.min / 2)
    private var lastStatusLog: MonitorInstant = .zero
    private var children: ChildNodeTracker
    private var explanationText = ""
    /// Results of checks and polls that run concurrently with the loop, so a slow (hung) server
    /// never stops this daemon from answering its peers' votes and publishing its report.
    private let inbox: DaemonInbox
    private let primaryLink = PrimaryLink()
    private let peerLinks = PeerLinks()
    /// Peers' reports unchanged for three monitoring intervals are stale.
    private let reportFreshness: ReportFreshness
    /// This daemon's report publications so far.
    private var publications = 0
    /// Whether the local server ran as the primary at the last look (housekeeping, or a
    /// promotion by this daemon); metadata writes then go to it directly.
    private var localRunsAsPrimary = false
    private var reconnectingLocal = false
    /// The daemon status table was there at the last look, so housekeeping asks whether this daemon is paused.
    private var statusTablePresent = true
    /// When housekeeping last had an answer from the local server.
    private var lastLocalAnswer = MonitorInstant(milliseconds: Int64.min / 2)
    /// A message may have been delivered since the mailbox was last read (inotify said so, or
    /// it is time for the look each tick makes in case a notification was missed).
    private var mailboxMayHoldMessages = true
    /// The latest fenced state being written to the primary (see ``recordFence``).
    private var fenceRecording: Task<Void, Never>?
    /// Set when the daemon must end on its own (`degraded_monitoring_timeout`): the exit status and why.
    private var exitRequest: (status: ExitStatus, reason: String)?
    private let rivalWatch = RivalPrimaryWatch()
    private var nextRivalProbe: MonitorInstant = .zero
    private let wakeup: DaemonWakeup
    /// Says once, not every interval, that metadata writes meet a read-only server.
    private let writeHealth: PrimaryWriteHealth

    private init(
        configuration: NodeConfiguration, log: @escaping MessageSink, signals: DaemonSignals, context: MonitorContext,
        mailbox: DaemonMailbox, local: PostgresConnection?
    ) {
        self.configuration = configuration
        self.log = log
        self.signals = signals
        self.context = context
        self.mailbox = mailbox
        self.local = local
        self.reportFreshness = ReportFreshness(limit: .seconds(3 * max(configuration.monitorIntervalSeconds, 1)))
        self.wakeup = DaemonWakeup(mailboxDirectory: mailbox.directory)
        self.writeHealth = PrimaryWriteHealth(log: log, statusPath: mailbox.state.statusPath)
        self.inbox = DaemonInbox(wakeup: wakeup)
        self.started = clock.now
        self.state = FailoverMonitor.start(context: context, now: .zero).0
        self.children = ChildNodeTracker(
            includeWitness: configuration.childNodesConnectedIncludeWitness,
            minimumConnected: configuration.childNodesConnectedMinCount >= 0
                ? configuration.childNodesConnectedMinCount : configuration.childNodesDisconnectMinCount,
            disconnectTimeout: Double(configuration.childNodesDisconnectTimeout))
    }

    var now: MonitorInstant {
        MonitorInstant(milliseconds: (clock.now - started).milliseconds)
    }

    /// Connects to the local node (waiting for it to come up), then runs until SIGTERM, or until
    /// `degraded_monitoring_timeout` ends it; returns the exit status (success after SIGTERM).
    public static func run(configuration: NodeConfiguration, log: @escaping MessageSink, signals: DaemonSignals)
        async throws(WardenError) -> ExitStatus
    {
        log(OperationMessage(.notice, "pgwarden daemon starting up (PID \(getpid()))"))
        let conninfo = try Conninfo(parsing: configuration.conninfo)
        await startLeaseFencedServer(configuration: configuration, log: log)
        var connection: PostgresConnection?
        while connection == nil {
            do {
                connection = try await PostgresConnection.connect(conninfo)
            } catch {
                if signals.terminateRequested { return .success }
                log(OperationMessage(.warning, "unable to connect to the local node; retrying", detail: error.detail))
                try? await Task.sleep(for: .seconds(max(configuration.monitorIntervalSeconds, 1)))
            }
        }
        guard let connection else { return .success }
        let catalog = Catalog(connection: connection)
        let nodes = try await catalog.nodes()
        guard let me = nodes.first(where: { $0.nodeID == configuration.nodeID }) else {
            throw WardenError(
                "node \(configuration.nodeID) is not registered", hint: "register it before starting its daemon",
                exitStatus: .badConfig)
        }
        let term = (try? await catalog.votingTerm()) ?? 1
        let context = MonitorContext(
            nodeID: configuration.nodeID, settings: FailoverSettings(configuration: configuration), nodes: nodes,
            term: term)
        guard
            let mailbox = try await DaemonMailbox.open(
                configuration: configuration, local: catalog, me: me, nodes: nodes, log: log, signals: signals)
        else { return .success }
        let daemon = FailoverDaemon(
            configuration: configuration, log: log, signals: signals, context: context, mailbox: mailbox,
            local: connection)
        await daemon.loop(initialPause: await DaemonStatusTable.isPaused(nodeID: configuration.nodeID, in: catalog))
        return daemon.exitRequest?.status ?? .success
    }

    /// A server that an earlier run of this daemon stopped when its lease ran out (the data
    /// directory's marker says so) is started again, as a standby (its standby.signal), so that
    /// this daemon can connect and either win the lease back or rejoin it to the new primary.
    private static func startLeaseFencedServer(configuration: NodeConfiguration, log: MessageSink) async {
        let data = configuration.dataDirectory
        guard let term = StoppedPrimaryFence.leaseFenceTerm(dataDirectory: data),
            !StoppedPrimaryFence.serverRunning(dataDirectory: data)
        else { return }
        log(
            OperationMessage(
                .notice, "this node was fenced when its lease of term \(term) ran out: starting its server as a standby"
            ))
        _ = await ChildProcess.runLogged(
            ["/bin/sh", "-c", serviceCommands(configuration).start], logFile: data + "/pgwarden-server.log")
    }

    private func loop(initialPause: Bool) async {
        paused = initialPause
        let wakeup = self.wakeup
        signals.onSignal { wakeup.nudge() }
        var runsAsPrimary = false
        if let local { runsAsPrimary = (try? await NodeFacts.read(local))?.inRecovery == false }
        let fencedTerm = StoppedPrimaryFence.leaseFenceTerm(dataDirectory: configuration.dataDirectory)
        serverStoppedByLease = fencedTerm != nil
        let (first, effects) = FailoverMonitor.start(
            context: context, now: now, runsAsPrimary: runsAsPrimary, vote: mailbox.loadVote(), paused: paused,
            leaseFencedTerm: fencedTerm)
        state = first
        localRunsAsPrimary = runsAsPrimary && state.role == .primary
        await perform(effects)
        while !signals.terminateRequested, exitRequest == nil {
            if signals.takeReloadRequest() { reload() }
            if mailboxMayHoldMessages {
                mailboxMayHoldMessages = !wakeup.watchesMailbox
                for message in mailbox.receive() { pending.append(await observation(for: message)) }
            }
            drainInbox()
            if !pending.isEmpty {
                let observation = pending.removeFirst()
                await feed(observation)
                continue
            }
            await housekeeping()
            if !pending.isEmpty { continue }
            if now >= wakeAt {
                mailboxMayHoldMessages = true
                await feed(.tick)
                continue
            }
            var nextDeadline = min(wakeAt.milliseconds, lastHeartbeat.milliseconds + housekeepingInterval)
            if let rivalsDue = watchForRivalPrimaries() { nextDeadline = min(nextDeadline, rivalsDue) }
            let sleep = nextDeadline - now.milliseconds
            // A primary watches its own postmaster; a standby, its upstream session. A standby's
            // watch on its upstream outlives its promotion: a primary ignores it.
            let watched = state.role == .primary ? nil : upstreamWatch
            let reasons = await wakeup.wait(
                socket: watched?.socketDescriptor, postmaster: postmasterWatch?.descriptor,
                timeout: .milliseconds(min(max(sleep, 1), 5000)))
            if reasons.contains(.postmasterExited) {
                postmasterWatch = nil
                if state.role == .primary { pending.append(.localServerStopped) }
            }
            if reasons.contains(.mailbox) { mailboxMayHoldMessages = true }
            if reasons.contains(.upstreamSocket), let watch = watched, watch.consumeInputDetectsClose() {
                upstreamWatch = nil
                if let upstream = state.upstreamNodeID {
                    pending.append(.walReceiverDropped(detail: "connection to upstream node \(upstream) closed"))
                }
            }
        }
        await shutdown()
    }

    /// Starts a look at the failed former primaries when one is due (see ``RivalPrimaryWatch``);
    /// returns when the next one is due, or nil when this node watches none.
    private func watchForRivalPrimaries() -> Int64? {
        guard localRunsAsPrimary, let local, let me = record(forNode: configuration.nodeID) else { return nil }
        let rivals = RivalPrimaryWatch.watched(context.nodes, selfID: configuration.nodeID)
        guard !rivals.isEmpty else { return nil }
        if now >= nextRivalProbe {
            nextRivalProbe = now.advanced(by: RivalPrimaryWatch.interval)
            rivalWatch.probe(
                rivals, primary: local, me: me, term: state.promotedTerm ?? state.term, configuration: configuration,
                log: log)
        }
        return nextRivalProbe.milliseconds
    }

    private func drainInbox() {
        let items = inbox.takeAll()
        for item in items {
            switch item {
            case .observation(let observation):
                pending.append(observation)
            case .upstreamChecked(let observation, let connection):
                upstreamWatch = connection
                pending.append(observation)
            case .localChecked(let observation, let connection):
                if let connection { local = connection }
                if case .localNodeUnreachable = observation {
                    local = nil
                    // The check may notice a dead postmaster before the ``PostmasterWatch`` does
                    // (or with none open): the lease is released either way, so the voters need
                    // not wait it out.
                    if state.role == .primary,
                        !StoppedPrimaryFence.serverRunning(dataDirectory: configuration.dataDirectory)
                    {
                        pending.append(.localServerStopped)
                    }
                }
                pending.append(observation)
            case .localReconnected(let connection):
                reconnectingLocal = false
                if let connection, local?.isBroken ?? false { local = connection }
            }
        }
    }

    /// Runs a slow check in the background; its result arrives through the inbox.
    private func inBackground(_ work: @escaping @Sendable () async -> InboxItem) {
        let inbox = self.inbox
        Task.detached {
            let item = await work()
            inbox.append(item)
        }
    }

    private func feed(_ observation: MonitorObservation) async {
        let (next, effects) = FailoverMonitor.step(state, observation, now: now, context: context)
        state = next
        await perform(effects)
    }

    private func observation(for message: DaemonMessage) async -> MonitorObservation {
        log(OperationMessage(message.isRoutine ? .debug : .info, "received \(message.summary)"))
        switch message {
        case .voteRequest(let request):
            return .voteRequested(request, localLSN: await localReceivedLSN())
        case .voteReply(let reply):
            return .voteReplied(reply)
        case .primaryAnnounced(let nodeID, let term):
            return .primaryAnnounced(nodeID: nodeID, term: term)
        case .candidacyWithdrawn(let nodeID, let term):
            return .candidacyWithdrawn(nodeID: nodeID, term: term)
        case .leaseRequest(let request):
            return .leaseRequested(request)
        case .leaseReply(let reply):
            return .leaseReplied(reply)
        case .leaseReleased(let release):
            return .leaseReleased(release)
        }
    }

    // MARK: - Effects

    private func perform(_ effects: [MonitorEffect]) async {
        for effect in effects {
            switch effect {
            case .wakeUp(let at):
                wakeAt = at
            case .checkUpstream(let nodeID):
                let record = record(forNode: nodeID)
                let checkType = configuration.connectionCheckType
                let query = configuration.connectionCheckQuery
                inBackground { await Self.checkUpstream(nodeID, record: record, checkType: checkType, query: query) }
            case .checkLocalNode:
                if let local, !local.isBroken, now.milliseconds(since: lastLocalAnswer) < housekeepingInterval {
                    // Housekeeping's round trip to this server in the current interval was the check.
                    pending.append(.localNodeReachable)
                    continue
                }
                let current = local
                let conninfo = configuration.conninfo
                inBackground { await Self.checkLocal(current, conninfo: conninfo) }
            case .pollPeers(let ids, let bestEffort):
                // Only an election ranks by the local LSN, and a primary holds none.
                let localLSN = state.role == .primary ? nil : await localReceivedLSN()
                let records = ids.compactMap { record(forNode: $0) }
                let peerPoll = PeerPoll(
                    links: peerLinks, reader: mailbox.reportReader, freshness: reportFreshness, timeout: .seconds(2))
                inBackground {
                    .observation(
                        .peersPolled(
                            localLSN: localLSN,
                            views: await peerPoll.views(of: records, bestEffort: Set(bestEffort))))
                }
            case .recordVote(let vote):
                do {
                    try mailbox.saveVote(vote)
                } catch {
                    log(OperationMessage(.error, error.message))
                }
            case .requestVotes(let request, let voters):
                await send(.voteRequest(request), to: voters)
            case .sendVoteReply(let reply, let to):
                await send(.voteReply(reply), to: [to])
            case .requestLease(let request, let voters):
                await send(.leaseRequest(request), to: voters)
            case .sendLeaseReply(let reply, let to):
                await send(.leaseReply(reply), to: [to])
            case .releaseLease(let release, let voters):
                await send(.leaseReleased(release), to: voters)
            case .isolateLocalServer(let reason):
                await isolateLocalServer(reason: reason)
            case .resumeLocalServer(let reason):
                await resumeLocalServer(reason: reason)
            case .withdrawCandidacy(let term, let voters):
                await send(.candidacyWithdrawn(nodeID: configuration.nodeID, term: term), to: voters)
            case .runValidationCommand(let facts):
                pending.append(await validate(facts))
            case .promote(let term):
                pending.append(await promote(term: term))
            case .setNodeActive(let nodeID, let active):
                await setActive(nodeID, active)
            case .announcePrimary(let term, let to):
                await send(.primaryAnnounced(nodeID: configuration.nodeID, term: term), to: to)
            case .follow(let nodeID):
                pending.append(await follow(nodeID))
            case .fenceLocalNode(let newPrimary, let term):
                await fenceLocal(newPrimary: newPrimary, term: term)
            case .rejoin(let nodeID):
                pending.append(await rejoin(nodeID))
            case .recordEvent(let event):
                record(event)
            case .recordDecision(let explanation):
                explanationText = explanation.text
                log(OperationMessage(.notice, explanation.summary, detail: explanation.text))
            case .updateMonitoringHistory(let primaryNodeID):
                await writeHistory(primaryNodeID: primaryNodeID)
            case .log(let level, let text):
                log(OperationMessage(level, text))
            case .exitDaemon(let reason):
                log(OperationMessage(.notice, "\(reason), terminating"))
                exitRequest = (ExitStatus.monitoringTimeout, reason)
            }
        }
    }

    private func record(forNode nodeID: Int) -> NodeRecord? { context.node(nodeID) }

    private static func checkUpstream(
        _ nodeID: Int, record: NodeRecord?, checkType: NodeConfiguration.ConnectionCheckType, query: String
    ) async -> InboxItem {
        guard let record, let conninfo = try? Conninfo(parsing: record.conninfo) else {
            return .upstreamChecked(
                .upstreamUnreachable(nodeID: nodeID, detail: "node \(nodeID) is not registered"), nil)
        }
        do {
            let connection = try await PostgresConnection.connect(conninfo)
            if checkType == .query { _ = try await connection.query(query, timeout: .seconds(5)) }
            return .upstreamChecked(.upstreamReachable(nodeID: nodeID), connection)
        } catch {
            return .upstreamChecked(.upstreamUnreachable(nodeID: nodeID, detail: error.detail ?? error.message), nil)
        }
    }

    private static func checkLocal(_ current: PostgresConnection?, conninfo: String) async -> InboxItem {
        if let current, !current.isBroken, (try? await current.query("SELECT 1", timeout: .seconds(5))) != nil {
            return .localChecked(.localNodeReachable, nil)
        }
        do {
            let connection = try await PostgresConnection.connect(try Conninfo(parsing: conninfo))
            return .localChecked(.localNodeReachable, connection)
        } catch {
            return .localChecked(.localNodeUnreachable(detail: error.detail ?? error.message), nil)
        }
    }

    private func localReceivedLSN() async -> LSN? {
        guard let local else { return nil }
        return try? await local.query(
            "SELECT GREATEST(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn())::text AS lsn",
            timeout: .seconds(2)
        ).first?.lsn("lsn")
    }

    /// Delivers a message to each node's daemon in the background.
    private func send(_ message: DaemonMessage, to nodeIDs: [Int]) async {
        log(
            OperationMessage(
                message.isRoutine ? .debug : .info,
                "sending \(message.summary) to nodes \(nodeIDs.map(String.init).joined(separator: ", "))"))
        let targets = nodeIDs.compactMap { record(forNode: $0) }
        let log = self.log
        let courier = mailbox.courier
        let links = peerLinks
        Task.detached { await Self.deliver(message, to: targets, links: links, courier: courier, log: log) }
    }

    private static func deliver(
        _ message: DaemonMessage, to targets: [NodeRecord], links: PeerLinks, courier: MessageCourier,
        log: @escaping MessageSink
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for record in targets {
                group.addTask {
                    var failure = "unable to connect"
                    // A kept link may have died with its server: one retry on a new one.
                    for _ in 0..<2 {
                        guard let link = await links.link(to: record, timeout: .seconds(2)) else { break }
                        do throws(WardenError) {
                            try await courier.deliver(message, to: record, via: link.connection)
                            return
                        } catch {
                            failure = error.message
                            links.drop(link, nodeID: record.nodeID)
                        }
                    }
                    log(OperationMessage(.warning, "unable to reach the daemon of \(record.label): \(failure)"))
                }
            }
        }
    }

    private func validate(_ facts: ValidationFacts) async -> MonitorObservation {
        let command = configuration.failoverValidationCommand
            .replacingOccurrences(of: "%n", with: String(facts.nodeID))
            .replacingOccurrences(of: "%a", with: ShellQuoting.quote(facts.nodeName))
            .replacingOccurrences(of: "%v", with: String(facts.visibleNodes))
            .replacingOccurrences(of: "%u", with: String(facts.sharedUpstreamNodes))
            .replacingOccurrences(of: "%t", with: String(facts.totalNodes))
        let outcome = await ChildProcess.runLogged(
            ["/bin/sh", "-c", command], logFile: DaemonLog.path(for: configuration))
        return .validationFinished(success: outcome.exitCode == 0, detail: "exit code \(outcome.exitCode)")
    }

    private func promote(term: Int) async -> MonitorObservation {
        guard let local else { return .promotionFinished(success: false, detail: "the local node is not reachable") }
        do {
            if !configuration.promoteCommand.isEmpty {
                let outcome = await ChildProcess.runLogged(
                    ["/bin/sh", "-c", configuration.promoteCommand], logFile: DaemonLog.path(for: configuration))
                guard outcome.exitCode == 0 else {
                    return .promotionFinished(success: false, detail: "promote_command exited with \(outcome.exitCode)")
                }
            } else {
                let took = try await PromotionSteps.promote(
                    local, timeout: .seconds(max(configuration.promoteCheckTimeout, 1)))
                log(OperationMessage(.notice, "promoted in \(took.secondsText)"))
            }
            _ = try await PromotionSteps.recordPromotion(
                of: configuration.nodeID, in: Catalog(connection: local), term: term)
            if let conninfo = configuration.parsedConninfo {
                await PoolerFencing(configuration: configuration, report: log).repoint(
                    to: conninfo, nodeID: configuration.nodeID, catalog: Catalog(connection: local))
            }
            upstreamWatch = nil
            localRunsAsPrimary = true
            return .promotionFinished(success: true, detail: "node \(configuration.nodeID) promoted in term \(term)")
        } catch {
            return .promotionFinished(success: false, detail: error.message)
        }
    }

    private func follow(_ nodeID: Int) async -> MonitorObservation {
        guard let local, let me = record(forNode: configuration.nodeID), let target = record(forNode: nodeID) else {
            return .followFinished(nodeID: nodeID, success: false, detail: "the local node or the target is unknown")
        }
        do {
            if me.type == .witness {
                return await witnessFollows(target, me: me, local: local)
            }
            if !configuration.followCommand.isEmpty {
                let command = configuration.followCommand.replacingOccurrences(of: "%n", with: String(nodeID))
                let outcome = await ChildProcess.runLogged(
                    ["/bin/sh", "-c", command], logFile: DaemonLog.path(for: configuration))
                return .followFinished(
                    nodeID: nodeID, success: outcome.exitCode == 0,
                    detail: "follow_command exited with \(outcome.exitCode)")
            }
            let upstream = try await PostgresConnection.connect(try Conninfo(parsing: target.conninfo))
            let mine = try await NodeFacts.read(local)
            let theirs = try await NodeFacts.read(upstream)
            try await FollowSteps.checkTimeline(
                follower: mine, upstream: theirs, upstreamConnection: upstream, followerLabel: me.label,
                upstreamLabel: target.label)
            try await FollowSteps.repoint(
                follower: me, followerConnection: local, upstream: target, upstreamConnection: upstream)
            let streaming = await FollowSteps.waitUntilStreaming(
                follower: me, upstreamConnection: upstream,
                timeout: .seconds(max(configuration.standbyFollowTimeout, 1)))
            if streaming, theirs.inRecovery == false {
                _ = try? await upstream.query(
                    "UPDATE repmgr.nodes SET upstream_node_id = $2, active = true WHERE node_id = $1",
                    [String(me.nodeID), String(target.nodeID)])
            }
            upstreamWatch = nil
            return .followFinished(
                nodeID: nodeID, success: streaming,
                detail: streaming ? "streaming from \(target.label)" : "not streaming from \(target.label) yet")
        } catch {
            return .followFinished(nodeID: nodeID, success: false, detail: error.message)
        }
    }

    /// A witness replicates nothing, so following is what repmgrd does for it: its record on the
    /// new primary names that primary as its upstream, then its own copy of the metadata is taken
    /// from there (real `repmgr cluster show` compares the two). The user's `follow_command` is
    /// never run on a witness: it is `repmgr standby follow` in most installs, which a witness
    /// refuses. Waiting for streaming, as a standby does, would stall this daemon (and its lease
    /// grants to the new primary) for `standby_follow_timeout`.
    private func witnessFollows(_ target: NodeRecord, me: NodeRecord, local: PostgresConnection) async
        -> MonitorObservation
    {
        if !configuration.followCommand.isEmpty {
            log(
                OperationMessage(
                    .info, "follow_command is not run on a witness: taking the metadata from \(target.label)"))
        }
        do {
            let upstream = try await PostgresConnection.connect(try Conninfo(parsing: target.conninfo))
            try await upstream.query(
                "UPDATE repmgr.nodes SET upstream_node_id = $2, active = true WHERE node_id = $1",
                [String(me.nodeID), String(target.nodeID)])
            try await WitnessMetadataSync.sync(from: Catalog(connection: upstream), to: Catalog(connection: local))
            lastWitnessSync = now
            return .followFinished(
                nodeID: target.nodeID, success: true, detail: "metadata copied from \(target.label)")
        } catch {
            return .followFinished(nodeID: target.nodeID, success: false, detail: error.message)
        }
    }

    /// Keeps a former primary from accepting writes once `newPrimary` was promoted in `term`.
    /// A server that is down gets a data directory that starts as a standby (see
    /// ``StoppedPrimaryFence``); a running one is fenced by its `fence_command` or `fence_mode`
    /// (``ServerFence``). Either way the fenced state and a `node_fence` event are recorded.
    private func fenceLocal(newPrimary: Int, term: Int) async {
        guard let me = record(forNode: configuration.nodeID), let target = record(forNode: newPrimary) else { return }
        let data = configuration.dataDirectory
        let method: FenceMethod
        let details: String
        do throws(WardenError) {
            let running = StoppedPrimaryFence.serverRunning(dataDirectory: data)
            // A server this daemon fenced for its lease is down, or (lease_isolation_action=standby)
            // already runs read-only as a standby: either way its data directory is fenced.
            if serverStoppedByLease || (local == nil && !running) {
                if !StoppedPrimaryFence.startsAsStandby(dataDirectory: data) {
                    try StoppedPrimaryFence.prepare(
                        configuration: configuration, me: me, newPrimary: target, term: term)
                }
                method = .startsAsStandby
                details =
                    running
                    ? "\(me.label) fenced: it runs as a read-only standby since its lease ran out (term \(term))"
                    : "\(me.label) fenced while its server is down: it will start as a standby of \(target.label) "
                        + "(term \(term))"
            } else {
                let subject = FenceSubject(
                    nodeID: me.nodeID, nodeName: me.nodeName, primaryNodeID: target.nodeID,
                    primaryConninfo: target.conninfo, term: term,
                    reason: "\(target.label) was promoted in term \(term)")
                method = try await ServerFence.fenceLocal(
                    configuration: configuration, connection: local, subject: subject, report: log)
                details = "\(me.label) fenced (\(method.summary)): \(target.label) is the primary of term \(term)"
            }
            log(OperationMessage(.warning, details))
        } catch {
            log(OperationMessage(.error, "unable to fence this node: \(error.message)", detail: error.detail))
            return
        }
        localRunsAsPrimary = false
        fenceRecording = recordFence(
            FenceRecord(
                nodeID: me.nodeID, fenced: true, method: method,
                reason: "superseded by \(target.label) in term \(term)",
                changedBy: configuration.nodeID), node: me, details: details, primaryNode: target)
    }

    /// The lease is running out (see ``MonitorEffect/isolateLocalServer(reason:)``): makes the data
    /// directory start as a standby, then stops the postmaster (see ``StoppedPrimaryFence/stopPostmaster(dataDirectory:)``).
    private func isolateLocalServer(reason: String) async {
        let data = configuration.dataDirectory
        StoppedPrimaryFence.markLeaseFence(dataDirectory: data, term: state.lease?.term ?? state.reportedTerm)
        let outcome = await StoppedPrimaryFence.stopPostmaster(dataDirectory: data)
        local = nil
        postmasterWatch = nil
        localRunsAsPrimary = false
        serverStoppedByLease = true
        log(OperationMessage(.warning, "this node fenced itself (\(outcome)): \(reason)"))
        guard configuration.leaseIsolationAction == .standby else { return }
        // The marker's standby.signal makes it start in recovery, streaming from nobody: reads of
        // what it had go on, and no session can write. Regaining the lease promotes it back
        // (``resumeLocalServer``); a rejoin stops it first.
        let started = await ChildProcess.runLogged(
            ["/bin/sh", "-c", serviceCommands.start], logFile: data + "/pgwarden-server.log")
        log(
            OperationMessage(
                started.exitCode == 0 ? .notice : .error,
                started.exitCode == 0
                    ? "lease_isolation_action=standby: the server runs again as a read-only standby"
                    : "lease_isolation_action=standby: unable to start the server as a standby",
                detail: "exit code \(started.exitCode)"))
    }

    /// The lease is held again after a self-fence (see ``MonitorEffect/resumeLocalServer(reason:)``):
    /// the server this daemon stopped starts again as the primary it was.
    private func resumeLocalServer(reason: String) async {
        let data = configuration.dataDirectory
        StoppedPrimaryFence.clearLeaseFence(dataDirectory: data)
        if StoppedPrimaryFence.serverRunning(dataDirectory: data) {
            // Started meanwhile by someone else, as a standby (standby.signal): promote it back.
            guard let conninfo = configuration.parsedConninfo,
                let connection = try? await PostgresConnection.connect(conninfo, timeout: .seconds(5))
            else {
                log(OperationMessage(.error, "\(reason), but the running server cannot be reached to promote it"))
                return
            }
            do {
                if (try await NodeFacts.read(connection)).inRecovery {
                    _ = try await PromotionSteps.promote(
                        connection, timeout: .seconds(max(configuration.promoteCheckTimeout, 1)))
                }
                local = connection
                localRunsAsPrimary = true
                serverStoppedByLease = false
                log(OperationMessage(.notice, "the server runs as the primary again"))
            } catch {
                log(OperationMessage(.error, "unable to promote the server back: \(error.message)"))
            }
            return
        }
        unlink(data + "/standby.signal")
        let outcome = await ChildProcess.runLogged(
            ["/bin/sh", "-c", serviceCommands.start], logFile: data + "/pgwarden-server.log")
        serverStoppedByLease = outcome.exitCode != 0
        log(
            OperationMessage(
                outcome.exitCode == 0 ? .notice : .error,
                outcome.exitCode == 0 ? "server started again as the primary" : "unable to start the server again",
                detail: "exit code \(outcome.exitCode)"))
    }

    /// How this node's server is started and stopped (`service_*_command`, or pg_ctl).
    private var serviceCommands: ServiceCommands { Self.serviceCommands(configuration) }

    private static func serviceCommands(_ configuration: NodeConfiguration) -> ServiceCommands {
        ServiceCommands(
            configuration: configuration, dataDirectory: configuration.dataDirectory,
            fallbackBindir: ShellQuoting.quote(
                configuration.pgBindir.isEmpty ? "/usr/lib/postgresql/15/bin" : configuration.pgBindir))
    }

    /// Writes a fenced state and its event to `primaryNode` (never to the fenced node, which may
    /// still run as a primary itself), off the loop; the task tells when it is done.
    private func recordFence(_ fence: FenceRecord, node: NodeRecord, details: String, primaryNode: NodeRecord)
        -> Task<Void, Never>
    {
        let recorder = EventRecorder(report: log, configuration: configuration)
        let log = self.log
        return Task.detached {
            var primary: Catalog?
            if let conninfo = try? Conninfo(parsing: primaryNode.conninfo),
                let connection = try? await PostgresConnection.connect(conninfo, timeout: .seconds(2))
            {
                primary = Catalog(connection: connection)
            }
            do throws(WardenError) {
                try await FenceTable.record(
                    fence, node: node, details: details, on: primary, recorder: recorder, primaryNode: primaryNode)
            } catch {
                log(OperationMessage(.warning, "unable to record the fenced state: \(error.message)"))
            }
        }
    }

    /// `auto_rejoin`: makes this fenced former primary a standby of `nodeID` (pg_rewind when its
    /// timeline diverged); ``NodeRejoin`` lifts the fence. A server that is down is left down — it already
    /// starts as a standby — and is rejoined once someone starts it (the election rerun retries).
    private func rejoin(_ nodeID: Int) async -> MonitorObservation {
        guard let target = record(forNode: nodeID), let source = try? Conninfo(parsing: target.conninfo) else {
            return .rejoinFinished(nodeID: nodeID, success: false, detail: "node \(nodeID) is unknown")
        }
        // The rejoin lifts the fence: a fenced state still on its way to the primary must land first.
        await fenceRecording?.value
        fenceRecording = nil
        let data = configuration.dataDirectory
        guard local != nil || serverStoppedByLease || StoppedPrimaryFence.serverRunning(dataDirectory: data) else {
            return .rejoinFinished(
                nodeID: nodeID, success: false,
                detail: "the server is down; it will start as a standby and is rejoined once it runs")
        }
        if StoppedPrimaryFence.serverRunning(dataDirectory: data) {
            _ = await ChildProcess.runLogged(
                ["/bin/sh", "-c", serviceCommands.stop], logFile: data + "/pgwarden-server.log")
        }
        local = nil
        let operation = NodeRejoin(configuration: configuration, source: source, forceRewind: true)
        do {
            let prepared = try await operation.prepare(report: log)
            try await operation.run(prepared, report: log)
            serverStoppedByLease = false
            StoppedPrimaryFence.clearLeaseFence(dataDirectory: data)
        } catch {
            return .rejoinFinished(nodeID: nodeID, success: false, detail: error.message)
        }
        return .rejoinFinished(nodeID: nodeID, success: true, detail: "rejoined \(target.label)")
    }

    /// The running primary's metadata (see ``PrimaryLink``).
    private func primaryCatalog() async -> Catalog? {
        await primaryLink.catalog(local: localRunsAsPrimary ? local : nil, nodes: context.nodes)
    }

    /// Runs metadata writes that go to the primary off the loop: the primary may be the node
    /// that just hung, and a connect timeout there must not delay votes. A failed write drops
    /// the link, so that the next one looks for the primary again.
    private func onPrimary(_ work: @escaping @Sendable (Catalog) async throws(WardenError) -> Void) {
        let local = localRunsAsPrimary ? self.local : nil
        let nodes = context.nodes
        let link = primaryLink
        let health = writeHealth
        Task.detached {
            guard let primary = await link.catalog(local: local, nodes: nodes) else { return }
            do throws(WardenError) {
                try await work(primary)
                health.succeeded()
            } catch {
                link.drop(primary)
                health.failed(error)
            }
        }
    }

    /// Records `event` on the primary in the background; the task tells when it is done.
    @discardableResult
    private func record(_ event: MonitorEvent) -> Task<Void, Never> {
        let primaryRecord = event.primaryNodeID.flatMap { record(forNode: $0) }
        let recorder = EventRecorder(report: log, configuration: configuration)
        let nodeID = configuration.nodeID
        let local = localRunsAsPrimary ? self.local : nil
        let nodes = context.nodes
        let link = primaryLink
        return Task.detached {
            let primary = await link.catalog(local: local, nodes: nodes)
            await recorder.record(
                event.name, nodeID: nodeID, successful: event.successful, details: event.details, in: primary,
                primaryNodeID: primaryRecord?.nodeID, primaryConninfo: primaryRecord?.conninfo,
                primaryName: primaryRecord?.nodeName)
        }
    }

    private func setActive(_ nodeID: Int, _ active: Bool) async {
        onPrimary { primary throws(WardenError) in
            try await primary.connection.query(
                "UPDATE repmgr.nodes SET active = $2 WHERE node_id = $1", [String(nodeID), active ? "true" : "false"])
        }
    }

    private func writeHistory(primaryNodeID: Int) async {
        guard let local else { return }
        let standbyID = configuration.nodeID
        onPrimary { primary throws(WardenError) in
            try await MonitoringHistoryWriter.record(
                standbyID: standbyID, standby: local, primaryID: primaryNodeID, primary: primary)
        }
    }

    // MARK: - Housekeeping

    /// Once per monitoring interval: refresh the node list and term, notice pause changes,
    /// publish this daemon's report and heartbeat, sync a witness, watch the children of a primary.
    private var housekeepingInterval: Int64 { Int64(max(configuration.monitorIntervalSeconds, 1)) * 1000 }

    private func housekeeping() async {
        guard now.milliseconds(since: lastHeartbeat) >= housekeepingInterval else { return }
        lastHeartbeat = now
        if state.role == .primary {
            upstreamWatch = nil
            if postmasterWatch == nil { postmasterWatch = PostmasterWatch(dataDirectory: configuration.dataDirectory) }
        } else {
            postmasterWatch = nil
        }
        if let current = local, current.isBroken, !reconnectingLocal {
            // The session was terminated (a fence, pg_terminate_backend) while the server runs on:
            // a standby's daemon has no periodic local check, so it reconnects here.
            reconnectingLocal = true
            let conninfo = configuration.conninfo
            inBackground {
                .localReconnected(
                    try? await PostgresConnection.connect(try Conninfo(parsing: conninfo), timeout: .seconds(2)))
            }
        }
        var facts: LocalSnapshot?
        if let local, !local.isBroken {
            facts = await LocalSnapshot.read(local, nodeID: configuration.nodeID, askPaused: statusTablePresent)
        }
        if let facts {
            lastLocalAnswer = now
            if let nodes = facts.nodes, !nodes.isEmpty { context.nodes = nodes }
            if let term = facts.term { context.term = max(context.term, term) }
            statusTablePresent = facts.statusTablePresent
            if let nowPaused = facts.paused, nowPaused != paused {
                paused = nowPaused
                pending.append(nowPaused ? .pause : .unpause)
            }
            withdrawCandidacyWhileFenced(facts.readOnlyByDefault)
        }
        localRunsAsPrimary = facts?.inRecovery == false && state.role == .primary
        if facts?.inRecovery == false, state.role == .standby { pending.append(.localNodeRunsAsPrimary) }
        let view = state.report(
            nodeID: configuration.nodeID, settings: context.settings, inRecovery: facts?.inRecovery,
            receivedLSN: facts?.position, now: now)
        publications += 1
        mailbox.publish(PeerReport(view: view, publication: publications))
        if configuration.logStatusInterval > 0,
            now.milliseconds(since: lastStatusLog) >= Int64(configuration.logStatusInterval) * 1000
        {
            lastStatusLog = now
            logStatus()
        }
        let lastSeen = state.upstreamLastSeen.map {
            Date(timeIntervalSinceNow: -Double(now.milliseconds(since: $0)) / 1000)
        }
        let nodeID = configuration.nodeID
        let phase = state.phase.name
        let lease = state.leaseStatus(context: context, now: now)
        let leaseLine = lease.map { $0.summary(names: { context.node($0)?.nodeName }) }
        let explanation = ([leaseLine].compactMap { $0 } + [explanationText]).filter { !$0.isEmpty }
            .joined(separator: "\n")
        let link = primaryLink
        onPrimary { primary throws(WardenError) in
            try await link.ensureStatusTable(on: primary)
            try await DaemonStatusTable.report(
                nodeID: nodeID, pid: Int(getpid()), state: phase, explanation: explanation,
                upstreamLastSeen: lastSeen, starting: false, lease: lease, on: primary)
        }
        LocalDaemonStatus(
            nodeID: nodeID, pid: Int(getpid()), state: phase, explanation: explanation, upstreamLastSeen: lastSeen,
            updatedAt: Date(), primaryWritesRefused: writeHealth.writesRefused
        ).write(to: mailbox.state)
        if state.role == .witness, let local,
            now.milliseconds(since: lastWitnessSync) >= Int64(configuration.witnessSyncInterval) * 1000
        {
            lastWitnessSync = now
            onPrimary { primary throws(WardenError) in
                _ = try await WitnessMetadataSync.sync(from: primary, to: Catalog(connection: local))
            }
        }
        if state.role == .primary, facts?.inRecovery == false, let local, configuration.childNodesCheckInterval > 0,
            now.milliseconds(since: lastChildCheck) >= Int64(configuration.childNodesCheckInterval) * 1000
        {
            lastChildCheck = now
            await checkChildren(on: Catalog(connection: local))
        }
    }

    /// A standby fenced read-only is no promotion candidate: promoted, it would be a primary that
    /// refuses every write. While it is fenced its effective priority is 0 (for its own election
    /// and in the report its peers rank it by); unfenced, the configured priority is back.
    private func withdrawCandidacyWhileFenced(_ fenced: Bool) {
        let priority = fenced ? 0 : configuration.priority
        guard context.settings.priority != priority else { return }
        context.settings.priority = priority
        log(
            OperationMessage(
                .notice,
                fenced
                    ? "this node is fenced (default_transaction_read_only=on): not a promotion candidate while fenced"
                    : "this node is no longer fenced: promotion candidate again (priority \(priority))"))
    }

    /// repmgr's periodic "monitoring ... in normal state" line (`log_status_interval`).
    private func logStatus() {
        let me = context.localNode?.label ?? "node \(configuration.nodeID)"
        let phase = state.phase.name
        switch state.role {
        case .primary:
            log(OperationMessage(.info, "monitoring primary \(me) (\(phase))"))
        case .standby, .witness:
            let upstream = state.upstreamNodeID.flatMap { record(forNode: $0)?.label } ?? "no upstream"
            let seen = state.upstreamLastSeen.map { "\(now.milliseconds(since: $0) / 1000) seconds ago" } ?? "never"
            log(
                OperationMessage(
                    .info, "\(me) monitoring upstream \(upstream) (\(phase))", detail: "upstream last seen \(seen)"))
        }
    }

    private func checkChildren(on primary: Catalog) async {
        guard
            let attached = try? await primary.connection.query(
                "SELECT application_name FROM pg_catalog.pg_stat_replication WHERE state = 'streaming'")
        else { return }
        let names = Set(attached.rows.compactMap { $0.string("application_name") })
        let mine = context.nodes.filter { $0.upstreamNodeID == configuration.nodeID }
        let (events, runCommand) = children.observe(
            children: mine, attachedNames: names, now: Double(now.milliseconds) / 1000)
        for event in events {
            await EventRecorder(report: log, configuration: configuration).record(
                event.name, nodeID: configuration.nodeID, details: event.details, in: primary)
        }
        if runCommand, !configuration.childNodesDisconnectCommand.isEmpty {
            let command = configuration.childNodesDisconnectCommand.replacingOccurrences(
                of: "%p", with: String(configuration.nodeID))
            _ = await ChildProcess.runLogged(["/bin/sh", "-c", command], logFile: DaemonLog.path(for: configuration))
            await EventRecorder(report: log, configuration: configuration).record(
                "child_nodes_disconnect_command", nodeID: configuration.nodeID,
                details: "child_nodes_disconnect_command executed", in: primary)
        }
    }

    private func reload() {
        do {
            let (reloaded, _) = try ConfigurationLoader.load(path: configuration.filePath)
            configuration = reloaded
            context.settings = FailoverSettings(configuration: reloaded)
            log(OperationMessage(.notice, "configuration reloaded"))
        } catch {
            log(OperationMessage(.error, "configuration not reloaded: \(error.message)", detail: error.detail))
        }
    }

    /// Records `repmgrd_shutdown` (waiting up to 3 s for it, so that the event is not lost with
    /// the process) and marks this daemon stopped in the status table.
    private func shutdown() async {
        let details = exitRequest.map { "\($0.reason), terminating" } ?? "pgwarden daemon terminating"
        let recording = record(MonitorEvent("repmgrd_shutdown", details: details))
        let recorded = Atomic<Bool>(false)
        Task.detached {
            await recording.value
            recorded.store(true, ordering: .relaxed)
        }
        let deadline = ContinuousClock.now + .seconds(3)
        while !recorded.load(ordering: .relaxed), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if let primary = await primaryCatalog() {
            try? await DaemonStatusTable.report(
                nodeID: configuration.nodeID, pid: nil, state: "stopped", explanation: explanationText,
                upstreamLastSeen: nil, starting: false, on: primary)
        }
        // No report left behind: peers then know this daemon is stopped, not stalled (see PeerView.reportMissing).
        mailbox.withdrawReport()
        log(OperationMessage(.notice, "pgwarden daemon shut down"))
    }
}

/// A finished background check, with the connection it opened.
private enum InboxItem: Sendable {
    case observation(MonitorObservation)
    case upstreamChecked(MonitorObservation, PostgresConnection?)
    case localChecked(MonitorObservation, PostgresConnection?)
    /// A new session to the local server after the old one broke (nil: not reachable now).
    case localReconnected(PostgresConnection?)
}

/// Where background checks leave their results for the daemon's loop, waking it up.
private final class DaemonInbox: Sendable {
    private let items = Mutex<[InboxItem]>([])
    private let wakeup: DaemonWakeup

    init(wakeup: DaemonWakeup) { self.wakeup = wakeup }

    func append(_ item: InboxItem) {
        items.withLock { $0.append(item) }
        wakeup.nudge()
    }

    func takeAll() -> [InboxItem] {
        items.withLock { items in
            defer { items.removeAll() }
            return items
        }
    }
}
