import Foundation

/// `standby switchover`, run on the candidate: the primary and this standby swap roles with
/// no SSH. The old primary is checkpointed, told (through its own server) to stop cleanly
/// and come back as a standby of the candidate; the candidate waits until it has received
/// all of the old primary's WAL, promotes, and the metadata, siblings and witness follow.
///
/// If a step fails after the old primary stopped, the old primary is promoted back so that the
/// cluster ends with one writable primary, and the error says which state it was left in (exit
/// code 18, switchover failed; 22, switchover incomplete, once the candidate is the primary).
/// The session that asks for the stop may be ended by that very stop: the candidate then finds
/// out by watching the old primary, never by waiting for that session.
public struct StandbySwitchover: Sendable {
    public let configuration: NodeConfiguration
    public let siblingsFollow: Bool
    public let forceRewind: Bool
    public let alwaysPromote: Bool
    public let force: Bool

    public init(
        configuration: NodeConfiguration, siblingsFollow: Bool, forceRewind: Bool, alwaysPromote: Bool, force: Bool
    ) {
        self.configuration = configuration
        self.siblingsFollow = siblingsFollow
        self.forceRewind = forceRewind
        self.alwaysPromote = alwaysPromote
        self.force = force
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        let candidate: NodeRecord
        let candidateConnection: PostgresConnection
        let oldPrimary: NodeRecord
        let primary: Catalog
        let siblings: [NodeRecord]
        let witnesses: [NodeRecord]
        let oldPrimaryCommands: ServiceCommands
    }

    /// One timed step of the run, for the CLI and the dashboard's wizard.
    public static func step(_ text: String, since start: ContinuousClock.Instant) -> OperationMessage {
        let elapsed = ContinuousClock.now - start
        return OperationMessage(.notice, "[\(String(format: "%.2f", Double(elapsed.milliseconds) / 1000)) s] \(text)")
    }

    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        var plan = OperationPlan(operation: "standby switchover")
        report(
            OperationMessage(
                .notice, "checking switchover on node \"\(configuration.nodeName)\" (ID: \(configuration.nodeID))"))
        let local = try await PostgresConnection.connect(try Conninfo(parsing: configuration.conninfo))
        let facts = try await NodeFacts.read(local)
        guard facts.inRecovery else {
            throw WardenError(
                "switchover must be executed from the standby node to be promoted",
                detail: "this node (ID: \(configuration.nodeID)) is the primary", exitStatus: .switchoverFailed)
        }
        let localNodes = try await Catalog(connection: local).nodes()
        let (oldPrimary, primary) = try await ClusterConnector.primary(among: localNodes)
        let nodes = try await primary.nodes()
        guard let candidate = nodes.first(where: { $0.nodeID == configuration.nodeID }) else {
            throw WardenError(
                "node \(configuration.nodeID) is not registered",
                hint: "register it with \"pgwarden standby register\"",
                exitStatus: .switchoverFailed)
        }
        let primaryFacts = try await NodeFacts.read(primary.connection)
        plan.checks.append(FencedCandidateCheck.check(facts, label: candidate.label, exitStatus: .switchoverFailed))

        // Streaming from the primary?
        let streaming = try await primary.connection.query(
            """
            SELECT state, pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), replay_lsn)::bigint AS lag_bytes,
                   COALESCE(extract(epoch FROM replay_lag), 0) AS lag_seconds
              FROM pg_catalog.pg_stat_replication WHERE application_name = $1
            """, [candidate.nodeName])
        if let row = streaming.first, row.string("state") == "streaming" {
            plan.checks.append(.pass("replication", "\(candidate.label) streams from primary \(oldPrimary.label)"))
            let lagSeconds = row.double("lag_seconds") ?? 0
            if lagSeconds > Double(configuration.replicationLagCritical) && !force {
                plan.checks.append(
                    .fail(
                        "replication lag",
                        WardenError(
                            "replication lag of \(Int(lagSeconds)) seconds exceeds replication_lag_critical (\(configuration.replicationLagCritical))",
                            hint: "wait for the standby to catch up, or use -F/--force", exitStatus: .switchoverFailed))
                )
            } else {
                plan.checks.append(
                    .pass("replication lag", "\(Int(lagSeconds)) seconds, \(row.int64("lag_bytes") ?? 0) bytes behind"))
            }
        } else {
            plan.checks.append(
                .fail(
                    "replication",
                    WardenError(
                        "\(candidate.label) is not streaming from the primary \(oldPrimary.label)",
                        hint:
                            "switchover needs a streaming standby of the current primary; check \"pgwarden cluster show\"",
                        exitStatus: .switchoverFailed)))
        }

        let allSiblings = nodes.filter {
            $0.type == .standby && $0.active && $0.nodeID != candidate.nodeID && $0.upstreamNodeID == oldPrimary.nodeID
        }
        let siblings = siblingsFollow ? allSiblings : []
        let needed = 1 + siblings.count
        let freeSenders = facts.maxWalSenders - facts.usedWalSenders
        if freeSenders >= needed {
            plan.checks.append(.pass("walsenders", "\(needed) required, \(freeSenders) available on the candidate"))
        } else {
            plan.checks.append(
                .fail(
                    "walsenders",
                    WardenError(
                        "insufficient free walsenders on the candidate (\(needed) required, \(freeSenders) available)",
                        hint: "increase max_wal_senders on \(candidate.label)", exitStatus: .switchoverFailed)))
        }
        if configuration.useReplicationSlots {
            let freeSlots = facts.maxReplicationSlots - facts.usedReplicationSlots
            if freeSlots >= needed {
                plan.checks.append(.pass("replication slots", "\(needed) required, \(freeSlots) available"))
            } else {
                plan.checks.append(
                    .fail(
                        "replication slots",
                        WardenError(
                            "insufficient free replication slots on the candidate (\(needed) required, \(freeSlots) available)",
                            hint: "increase max_replication_slots", exitStatus: .switchoverFailed)))
            }
        }
        if facts.replayPaused {
            plan.checks.append(
                .fail(
                    "WAL replay",
                    WardenError(
                        "WAL replay is paused on the candidate", hint: "resume it with pg_wal_replay_resume()",
                        exitStatus: .switchoverFailed)))
        } else {
            plan.checks.append(.pass("WAL replay", "not paused"))
        }
        let archive = try await primary.connection.query(
            "SELECT count(*)::int AS ready FROM pg_catalog.pg_ls_archive_statusdir() WHERE name LIKE '%.ready'")
        let ready = archive.first?.int("ready") ?? 0
        if ready > configuration.archiveReadyCritical {
            plan.checks.append(
                .fail(
                    "archive backlog",
                    WardenError(
                        "\(ready) WAL files wait to be archived on the primary (archive_ready_critical: \(configuration.archiveReadyCritical))",
                        hint: "fix archiving before switching over", exitStatus: .switchoverFailed)))
        } else if ready > configuration.archiveReadyWarning {
            plan.checks.append(.warning("archive backlog", "\(ready) WAL files wait to be archived on the primary"))
        } else {
            plan.checks.append(.pass("archive backlog", "\(ready) pending archive-ready files on the primary"))
        }
        for sibling in siblings {
            let observation = await NodeProber.probe(sibling.conninfo)
            if observation.reachable {
                plan.checks.append(.pass("sibling", "\(sibling.label) is reachable and will follow"))
            } else {
                plan.checks.append(
                    .fail(
                        "sibling",
                        WardenError(
                            "sibling \(sibling.label) is unreachable and cannot be told to follow",
                            hint: "start it, or run without --siblings-follow", exitStatus: .switchoverFailed)))
            }
        }
        if !siblingsFollow && !allSiblings.isEmpty {
            plan.checks.append(
                .warning(
                    "siblings",
                    "\(allSiblings.count) sibling(s) will keep streaming from \(oldPrimary.label), which becomes a standby; use --siblings-follow to move them"
                ))
        }
        let oldPrimaryHost = ServerHost(connection: primary.connection)
        if await oldPrimaryHost.isAvailable() {
            plan.checks.append(
                .pass("control channel", "the primary accepts pgwarden's server-side commands (no SSH needed)"))
        } else {
            plan.checks.append(
                .fail(
                    "control channel",
                    WardenError(
                        "the user of the primary's conninfo may not run server-side programs",
                        hint: "connect as a superuser or a member of pg_execute_server_program",
                        exitStatus: .switchoverFailed)))
        }
        if primaryFacts.timeline != facts.timeline {
            plan.checks.append(
                .warning("timeline", "candidate is on timeline \(facts.timeline), primary on \(primaryFacts.timeline)"))
        }
        let pauseState = try await DaemonPauseState.read(primary)
        if pauseState.isEmpty {
            plan.checks.append(.pass("daemons", "no pgwarden daemon is paused"))
        } else {
            plan.checks.append(.warning("daemons", "paused daemons: \(pauseState.joined(separator: ", "))"))
        }

        let oldConfiguration = await remoteConfiguration(of: oldPrimary, via: primary.connection)
        let commands = ServiceCommands(
            configuration: oldConfiguration, dataDirectory: primaryFacts.dataDirectory,
            fallbackBindir: ServiceCommands.serverBindirExpression)
        plan.actions.append("checkpoint and stop \(oldPrimary.label) cleanly: \(commands.stop)")
        plan.actions.append(
            "wait until \(candidate.label) has received all of its WAL, then promote \(candidate.label)")
        plan.actions.append("restart \(oldPrimary.label) as a standby of \(candidate.label): \(commands.start)")
        if let poolers = PoolerFencing(configuration: configuration, report: report).summary {
            plan.actions.append(
                "PAUSE \(poolers) before the stop; repoint them to \(candidate.label), RELOAD and RESUME after the promotion"
            )
        }
        for sibling in siblings { plan.actions.append("re-point sibling \(sibling.label) to \(candidate.label)") }
        let witnesses = nodes.filter { $0.type == .witness && $0.active }
        for witness in witnesses { plan.actions.append("copy the new metadata to witness \(witness.label)") }
        return Prepared(
            plan: plan, candidate: candidate, candidateConnection: local, oldPrimary: oldPrimary, primary: primary,
            siblings: siblings, witnesses: witnesses, oldPrimaryCommands: commands)
    }

    /// Reads the old primary's own repmgr.conf through its server, for its service commands.
    private func remoteConfiguration(of node: NodeRecord, via connection: PostgresConnection) async
        -> NodeConfiguration?
    {
        guard !node.configFile.isEmpty,
            let text = try? await connection.query("SELECT pg_catalog.pg_read_file($1) AS text", [node.configFile])
                .first?.string("text")
        else { return nil }
        return try? ConfigurationLoader.parse(text: text, path: node.configFile).0
    }

    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        let start = ContinuousClock.now
        let candidate = prepared.candidate
        let oldPrimary = prepared.oldPrimary
        let local = prepared.candidateConnection
        let candidateSettings = ServerSettings(connection: local)
        var demotedRecord = oldPrimary
        demotedRecord.type = .standby

        // 1. Prepare the old primary to return as a standby of the candidate. Nothing is stopped
        //    yet: a failure here leaves the old primary the primary.
        let lastPrimaryLSN: LSN
        let oldConninfo: Conninfo
        do throws(WardenError) {
            oldConninfo = try Conninfo(parsing: oldPrimary.conninfo)
            lastPrimaryLSN = try await prepareOldPrimary(
                prepared, demotedRecord: demotedRecord, candidateSettings: candidateSettings, start: start,
                report: report)
        } catch {
            await Self.resetRetryInterval(candidateSettings)
            throw WardenError(
                "switchover failed before \(oldPrimary.label) was stopped: \(error.message)",
                detail: [error.detail, "nothing was stopped or promoted; \(oldPrimary.label) is still the primary"]
                    .compactMap { $0 }.joined(separator: "\n"),
                hint: error.hint, exitStatus: .switchoverFailed)
        }

        // 2. Hold the pooled clients (they wait instead of failing), stop the old primary cleanly
        //    and bring it back as a standby, through its own server. From here on every path
        //    releases the pause.
        let poolers = PoolerFencing(configuration: configuration, report: report)
        let paused = await poolers.pause()
        if !paused.isEmpty { report(Self.step("pgbouncer client traffic paused", since: start)) }
        let term: Int
        let catalog = Catalog(connection: local)
        do throws(WardenError) {
            term = try await stopOldPrimaryAndPromote(
                prepared, oldConninfo: oldConninfo, catalog: catalog, candidateSettings: candidateSettings,
                lastPrimaryLSN: lastPrimaryLSN, start: start, report: report)
        } catch {
            await poolers.resume(paused)
            throw error
        }
        var poolerSummary: String?
        if let conninfo = try? Conninfo(parsing: candidate.conninfo) {
            poolerSummary = PoolerFencing.summary(
                of: await poolers.repoint(to: conninfo, nodeID: candidate.nodeID, catalog: catalog))
        }
        await poolers.resume(paused)
        if poolerSummary != nil { report(Self.step("pgbouncer sends clients to \(candidate.label)", since: start)) }
        let newPrimary: NodeRecord?
        do throws(WardenError) {
            newPrimary = try await catalog.node(id: candidate.nodeID)
        } catch {
            throw Self.incomplete(
                "\(candidate.label) is the primary but its record could not be read: \(error.message)",
                candidate: candidate, term: term)
        }
        guard let newPrimary else {
            throw Self.incomplete("the new primary's record disappeared", candidate: candidate, term: term)
        }

        // 6. Siblings, old primary, witnesses.
        for sibling in prepared.siblings {
            await SiblingFollow.move(
                sibling, to: newPrimary, upstreamCatalog: catalog, configuration: configuration, report: report)
        }
        var demoted = demotedRecord
        demoted.upstreamNodeID = candidate.nodeID
        let rejoined = await FollowSteps.waitUntilStreaming(
            follower: demoted, upstreamConnection: local, timeout: .seconds(max(configuration.nodeRejoinTimeout, 1)))
        for witness in prepared.witnesses {
            await WitnessCopy.refresh(witness, from: catalog, report: report)
        }
        let movedSlots = ([candidate] + prepared.siblings).compactMap(\.slotName)
        await dropSlots(movedSlots, on: oldConninfo)
        var details =
            "node \"\(candidate.nodeName)\" (ID: \(candidate.nodeID)) promoted to primary; node \"\(oldPrimary.nodeName)\" (ID: \(oldPrimary.nodeID)) demoted to standby"
        if let poolerSummary { details += "; \(poolerSummary)" }
        await EventRecorder(report: report, configuration: configuration).record(
            "standby_switchover", nodeID: candidate.nodeID, successful: rejoined, details: details, in: catalog)
        guard rejoined else {
            throw WardenError(
                "switchover incomplete: \(oldPrimary.label) is not streaming from \(candidate.label)",
                detail:
                    "\(candidate.label) is the primary (voting term \(term)); \(oldPrimary.label) did not attach within node_rejoin_timeout",
                hint: forceRewind
                    ? "on \(oldPrimary.label)'s host run \"pgwarden node rejoin --force-rewind\""
                    : "on \(oldPrimary.label)'s host run \"pgwarden node rejoin\" (add --force-rewind if its timeline diverged)",
                exitStatus: .switchoverIncomplete)
        }
        report(Self.step("\(oldPrimary.label) streams from \(candidate.label)", since: start))
        report(OperationMessage(.notice, "STANDBY SWITCHOVER has completed successfully", detail: details))
    }

    /// Step 1: slot and `primary_conninfo` for the old primary's return as a standby, a short WAL
    /// retry interval on the candidate, a checkpoint. Returns the old primary's WAL position after it.
    private func prepareOldPrimary(
        _ prepared: Prepared, demotedRecord: NodeRecord, candidateSettings: ServerSettings,
        start: ContinuousClock.Instant, report: @escaping MessageSink
    ) async throws(WardenError) -> LSN {
        let oldPrimary = prepared.oldPrimary
        let primaryConnection = prepared.primary.connection
        if let slot = oldPrimary.slotName
            ?? (configuration.useReplicationSlots ? NodeRecord.defaultSlotName(nodeID: oldPrimary.nodeID) : nil)
        {
            try await ReplicationSlots.ensure(slot, on: prepared.candidateConnection)
            try await ServerSettings(connection: primaryConnection).set("primary_slot_name", to: slot)
        }
        try await ServerSettings(connection: primaryConnection).set(
            "primary_conninfo",
            to: ReplicationSource.primaryConninfo(upstream: prepared.candidate, follower: demotedRecord))
        // A standby whose WAL receiver just lost its upstream retries only every
        // wal_retrieve_retry_interval (5 s by default) and a promotion requested meanwhile waits
        // for that; shorten it on the candidate for the duration of the switchover.
        try await candidateSettings.set("wal_retrieve_retry_interval", to: "50ms")
        try await candidateSettings.reload()
        report(Self.step("checkpoint on \(oldPrimary.label)", since: start))
        try await primaryConnection.query("CHECKPOINT")
        return try await primaryConnection.query("SELECT pg_catalog.pg_current_wal_lsn() AS lsn")
            .first?.lsn("lsn") ?? .zero
    }

    /// Steps 2 to 5: stops the old primary through its own server (it comes back as a standby),
    /// waits for its last WAL, promotes the candidate and records the promotion. Every wait has its
    /// configured timeout. When the candidate cannot take over after the old primary stopped, the
    /// old primary is promoted back and the error says whether that worked. Returns the new voting term.
    private func stopOldPrimaryAndPromote(
        _ prepared: Prepared, oldConninfo: Conninfo, catalog: Catalog, candidateSettings: ServerSettings,
        lastPrimaryLSN: LSN, start: ContinuousClock.Instant, report: @escaping MessageSink
    ) async throws(WardenError) -> Int {
        let candidate = prepared.candidate
        let oldPrimary = prepared.oldPrimary
        let local = prepared.candidateConnection
        let commands = prepared.oldPrimaryCommands
        let shutdownTimeout = Duration.seconds(max(configuration.shutdownCheckTimeout, 1))
        let cancelMarker = ShellQuoting.quote(commands.dataDirectory + "/pgwarden-switchover.cancel")
        let standbySignal = ShellQuoting.quote(commands.dataDirectory + "/standby.signal")
        // The marker lets pgwarden call the return as a standby off when it gave up waiting for the
        // stop: a stop that happens after that brings the server back as the primary it was.
        let script =
            "rm -f \(cancelMarker); if \(commands.stop); then if [ -e \(cancelMarker) ]; then rm -f \(cancelMarker); "
            + "else touch \(standbySignal); fi; \(commands.start); else exit 1; fi"
        report(Self.step("stopping \(oldPrimary.label)", since: start))
        let shutdownDeadline = ContinuousClock.now + shutdownTimeout
        let launch: DetachedLaunch
        do throws(WardenError) {
            launch = try await ServerHost(connection: prepared.primary.connection).launchDetached(
                script, logFile: commands.dataDirectory + "/pgwarden-switchover.log",
                timeout: min(shutdownTimeout, .seconds(10)))
        } catch {
            await Self.resetRetryInterval(candidateSettings)
            throw WardenError(
                "\(oldPrimary.label) refused the request to stop: \(error.message)",
                detail: "nothing was stopped or promoted; \(oldPrimary.label) is still the primary",
                exitStatus: .switchoverFailed)
        }
        if case .sessionLost(let reason) = launch {
            // The fast shutdown it asked for ends every session, the asking one included.
            report(
                Self.step(
                    "the session that asked \(oldPrimary.label) to stop was ended (\(reason)); watching \(oldPrimary.label)",
                    since: start))
        }
        var stopped = await OldPrimaryState.waitUntilStopped(oldConninfo, deadline: shutdownDeadline)
        // The last look before the deadline may have had too little time to tell: one more, bounded.
        if !stopped.isStopped { stopped = await OldPrimaryState.observe(oldConninfo, timeout: .seconds(2)) }
        let restore = OldPrimaryRestore(
            oldPrimary: oldPrimary, conninfo: oldConninfo,
            reconnectTimeout: .seconds(max(configuration.standbyReconnectTimeout, 1)),
            promoteTimeout: .seconds(max(configuration.promoteCheckTimeout, 1)), cancelMarker: cancelMarker)
        guard stopped.isStopped else {
            await Self.resetRetryInterval(candidateSettings)
            let reason =
                "\(oldPrimary.label) did not shut down within shutdown_check_timeout (\(configuration.shutdownCheckTimeout) s)"
            report(OperationMessage(.warning, reason + "; \(stopped.describe(oldPrimary.label))"))
            // It may still stop (and would come back as a standby of a candidate that is not
            // promoted), or be stopping: either way it is put back as the primary.
            let restored = await restore.run(report: report)
            if stopped == .primary, case .writable(let note) = restored {
                throw WardenError(
                    reason,
                    detail: "nothing was promoted; \(stopped.describe(oldPrimary.label))"
                        + (note.map { "; \($0)" } ?? ""),
                    hint: "check \(commands.dataDirectory)/pgwarden-switchover.log on its host",
                    exitStatus: .switchoverFailed)
            }
            throw Self.abandoned(reason, restored: restored, oldPrimary: oldPrimary, candidate: candidate)
        }
        report(Self.step("\(oldPrimary.label) is shut down", since: start))

        // 3. Wait until the candidate has all of the old primary's WAL: its shutdown checkpoint when
        //    it is already back and says where that is, else what it wrote after the checkpoint above.
        var finalWAL = lastPrimaryLSN
        if case .standby(let checkpoint?) = stopped { finalWAL = max(finalWAL, checkpoint) }
        let caughtUp = await waitForWAL(
            after: finalWAL, on: local, timeout: .seconds(max(configuration.walReceiveCheckTimeout, 1)))
        guard caughtUp else {
            await Self.resetRetryInterval(candidateSettings)
            throw Self.abandoned(
                "\(candidate.label) did not receive the old primary's final WAL (after \(finalWAL)) within wal_receive_check_timeout (\(configuration.walReceiveCheckTimeout) s)",
                restored: await restore.run(report: report), oldPrimary: oldPrimary, candidate: candidate)
        }

        // 4. Promote. The old primary is promoted back only when the candidate refused the
        //    promotion: once pg_promote() was accepted the candidate ends recovery by itself, even
        //    after promote_check_timeout, and two primaries must never run.
        report(Self.step("promoting \(candidate.label)", since: start))
        let promoteTimeout = Duration.seconds(max(configuration.promoteCheckTimeout, 1))
        let promoteStarted = ContinuousClock.now
        do throws(WardenError) {
            try await PromotionSteps.requestPromotion(local, timeout: promoteTimeout)
        } catch {
            let inRecovery = try? await local.query(
                "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery", timeout: .seconds(5)
            ).first?.bool("in_recovery")
            let refused = error.message == PromotionSteps.refusedMessage
            switch inRecovery {
            case false?:
                report(OperationMessage(.warning, "\(candidate.label) left recovery although: \(error.message)"))
            case true? where refused:
                throw Self.abandoned(
                    "promotion of \(candidate.label) failed: \(error.message)",
                    restored: await restore.run(report: report), oldPrimary: oldPrimary, candidate: candidate)
            default:
                throw Self.promotionUnknown(error, oldPrimary: oldPrimary, candidate: candidate)
            }
        }
        do throws(WardenError) {
            try await PromotionSteps.waitUntilPromoted(local, timeout: promoteTimeout, since: promoteStarted)
        } catch {
            throw Self.promotionUnknown(error, oldPrimary: oldPrimary, candidate: candidate)
        }
        report(Self.step("\(candidate.label) is the primary and accepts writes", since: start))
        await Self.resetRetryInterval(candidateSettings)

        // 5. Metadata on the new primary: candidate primary, old primary a standby of it, term + 1.
        do throws(WardenError) {
            return try await PromotionSteps.recordPromotion(
                of: candidate.nodeID, in: catalog, demoted: [oldPrimary.nodeID: candidate.nodeID])
        } catch {
            throw Self.incomplete(
                "the metadata could not be updated: \(error.message)", candidate: candidate, term: nil)
        }
    }

    private static func resetRetryInterval(_ settings: ServerSettings) async {
        try? await settings.set("wal_retrieve_retry_interval", to: nil)
        try? await settings.reload()
    }

    /// The error of a switchover given up after the old primary stopped, saying whether it is
    /// writable again.
    private static func abandoned(
        _ reason: String, restored: OldPrimaryRestore.Outcome, oldPrimary: NodeRecord, candidate: NodeRecord
    ) -> WardenError {
        switch restored {
        case .writable(let note):
            return WardenError(
                reason,
                detail:
                    "the switchover was abandoned; \(oldPrimary.label) is the primary again and accepts writes; \(candidate.label) was not promoted"
                    + (note.map { "; \($0)" } ?? ""),
                hint: "check replication between the two nodes, then run the switchover again",
                exitStatus: .switchoverFailed)
        case .failed(let why):
            return WardenError(
                reason,
                detail:
                    "the switchover was abandoned, but \(oldPrimary.label) could not be confirmed as the primary again (\(why)); \(candidate.label) was not promoted: no node may accept writes",
                hint:
                    "start \(oldPrimary.label)'s server if it is down and run \"pgwarden standby promote\" on its host",
                exitStatus: .switchoverFailed)
        }
    }

    /// The error of a switchover whose candidate may still become the primary: the old primary is
    /// left a standby rather than risk two primaries.
    private static func promotionUnknown(_ error: WardenError, oldPrimary: NodeRecord, candidate: NodeRecord)
        -> WardenError
    {
        WardenError(
            "promotion of \(candidate.label) did not finish: \(error.message)",
            detail:
                "\(oldPrimary.label) was stopped and is left a standby, so that two primaries cannot run; \(candidate.label) may still finish its promotion; until then no node accepts writes",
            hint:
                "check \(candidate.label)'s log: once it accepts writes, run \"pgwarden cluster show\"; if it refused, run \"pgwarden standby promote\" on \(oldPrimary.label)'s host",
            exitStatus: .switchoverFailed)
    }

    /// The error of a switchover whose candidate was promoted but whose later steps failed.
    private static func incomplete(_ reason: String, candidate: NodeRecord, term: Int?) -> WardenError {
        WardenError(
            "switchover incomplete: \(reason)",
            detail: "\(candidate.label) is the primary and accepts writes"
                + (term.map { " (voting term \($0))" } ?? ""),
            hint: "check \"pgwarden cluster show\" and fix the metadata with \"pgwarden standby register --force\"",
            exitStatus: .switchoverIncomplete)
    }

    private func waitForWAL(after lsn: LSN, on connection: PostgresConnection, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let received = try? await connection.query(
                "SELECT pg_catalog.pg_last_wal_receive_lsn() AS lsn",
                timeout: max(deadline - ContinuousClock.now, .seconds(1))
            ).first?.lsn("lsn"), received > lsn {
                return true
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// The old primary keeps the slots of the nodes that now stream from the new primary;
    /// dropping them stops them from retaining WAL there.
    private func dropSlots(_ names: [String], on conninfo: Conninfo) async {
        guard !names.isEmpty,
            let connection = try? await PostgresConnection.connect(conninfo, timeout: .seconds(2))
        else { return }
        for name in names {
            _ = try? await connection.query(
                """
                SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots
                 WHERE NOT active AND slot_name = $1
                """, [name], timeout: .seconds(5))
        }
    }
}
