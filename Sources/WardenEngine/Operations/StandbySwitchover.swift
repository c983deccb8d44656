import Foundation

/// `standby switchover`, run on the candidate: the primary and this standby swap roles with
/// no SSH. The old primary is checkpointed, told (through its own server) to stop cleanly
/// and come back as a standby of the candidate; the candidate waits until it has received
/// all of the old primary's WAL, promotes, and the metadata, siblings and witness follow.
///
/// If a step fails, the old primary is promoted back so that the cluster always ends with
/// exactly one writable primary, and the error says which state it was left in.
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
        let primaryConnection = prepared.primary.connection

        // 1. Prepare the old primary to return as a standby of the candidate.
        if let slot = oldPrimary.slotName
            ?? (configuration.useReplicationSlots ? NodeRecord.defaultSlotName(nodeID: oldPrimary.nodeID) : nil)
        {
            try await ReplicationSlots.ensure(slot, on: local)
            try await ServerSettings(connection: primaryConnection).set("primary_slot_name", to: slot)
        }
        var demotedRecord = oldPrimary
        demotedRecord.type = .standby
        try await ServerSettings(connection: primaryConnection).set(
            "primary_conninfo", to: ReplicationSource.primaryConninfo(upstream: candidate, follower: demotedRecord))
        // A standby whose WAL receiver just lost its upstream retries only every
        // wal_retrieve_retry_interval (5 s by default) and a promotion requested meanwhile waits
        // for that; shorten it on the candidate for the duration of the switchover.
        let candidateSettings = ServerSettings(connection: local)
        try await candidateSettings.set("wal_retrieve_retry_interval", to: "50ms")
        try await candidateSettings.reload()
        report(Self.step("checkpoint on \(oldPrimary.label)", since: start))
        try await primaryConnection.query("CHECKPOINT")
        let lastPrimaryLSN =
            try await primaryConnection.query("SELECT pg_catalog.pg_current_wal_lsn() AS lsn")
            .first?.lsn("lsn") ?? .zero

        // 2. Hold the pooled clients (they wait instead of failing), stop the old primary cleanly
        //    and bring it back as a standby, through its own server. From here on every path
        //    releases the pause.
        let poolers = PoolerFencing(configuration: configuration, report: report)
        let paused = await poolers.pause()
        if !paused.isEmpty { report(Self.step("pgbouncer client traffic paused", since: start)) }
        let term: Int
        let catalog = Catalog(connection: local)
        let oldConninfo: Conninfo
        do throws(WardenError) {
            (term, oldConninfo) = try await stopOldPrimaryAndPromote(
                prepared, catalog: catalog, candidateSettings: candidateSettings, lastPrimaryLSN: lastPrimaryLSN,
                start: start, report: report)
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
        guard let newPrimary = try await catalog.node(id: candidate.nodeID) else {
            throw WardenError("the new primary's record disappeared", exitStatus: .switchoverIncomplete)
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

    /// Steps 2 to 5: stops the old primary through its own server (it comes back as a standby),
    /// waits for its last WAL, promotes the candidate and records the promotion; promotes the old
    /// primary back when the candidate cannot take over. Returns the new voting term and the old
    /// primary's conninfo.
    private func stopOldPrimaryAndPromote(
        _ prepared: Prepared, catalog: Catalog, candidateSettings: ServerSettings, lastPrimaryLSN: LSN,
        start: ContinuousClock.Instant, report: @escaping MessageSink
    ) async throws(WardenError) -> (term: Int, oldConninfo: Conninfo) {
        let candidate = prepared.candidate
        let oldPrimary = prepared.oldPrimary
        let local = prepared.candidateConnection
        let primaryConnection = prepared.primary.connection
        let commands = prepared.oldPrimaryCommands
        let script =
            "\(commands.stop) && touch \(ShellQuoting.quote(commands.dataDirectory + "/standby.signal")) && \(commands.start)"
        report(Self.step("stopping \(oldPrimary.label)", since: start))
        try await ServerHost(connection: primaryConnection).launchDetached(
            script, logFile: commands.dataDirectory + "/pgwarden-switchover.log")
        let oldConninfo = try Conninfo(parsing: oldPrimary.conninfo)
        let stopped = await waitUntilStopped(oldConninfo, timeout: .seconds(max(configuration.shutdownCheckTimeout, 1)))
        guard stopped else {
            throw WardenError(
                "\(oldPrimary.label) did not shut down within shutdown_check_timeout (\(configuration.shutdownCheckTimeout) s)",
                detail: "nothing was promoted; \(oldPrimary.label) may still be the primary",
                hint: "check \(commands.dataDirectory)/pgwarden-switchover.log on its host",
                exitStatus: .switchoverFailed)
        }
        report(Self.step("\(oldPrimary.label) is shut down", since: start))

        // 3. Wait until the candidate has all of the old primary's WAL (its shutdown checkpoint is after lastPrimaryLSN).
        let caughtUp = await waitForWAL(
            after: lastPrimaryLSN, on: local, timeout: .seconds(max(configuration.walReceiveCheckTimeout, 1)))
        guard caughtUp else {
            try? await candidateSettings.set("wal_retrieve_retry_interval", to: nil)
            try? await candidateSettings.reload()
            await restoreOldPrimary(oldPrimary, report: report)
            throw WardenError(
                "\(candidate.label) did not receive the old primary's final WAL within wal_receive_check_timeout",
                detail: "the switchover was abandoned; \(oldPrimary.label) was promoted back and is the primary",
                hint: "check replication between the two nodes, then run the switchover again",
                exitStatus: .switchoverFailed)
        }

        // 4. Promote.
        report(Self.step("promoting \(candidate.label)", since: start))
        do {
            _ = try await PromotionSteps.promote(local, timeout: .seconds(max(configuration.promoteCheckTimeout, 1)))
        } catch {
            await restoreOldPrimary(oldPrimary, report: report)
            throw WardenError(
                "promotion of \(candidate.label) failed: \(error.message)",
                detail: "\(oldPrimary.label) was promoted back and is the primary", exitStatus: .switchoverFailed)
        }
        report(Self.step("\(candidate.label) is the primary and accepts writes", since: start))
        try? await candidateSettings.set("wal_retrieve_retry_interval", to: nil)
        try? await candidateSettings.reload()

        // 5. Metadata on the new primary: candidate primary, old primary a standby of it, term + 1.
        let term = try await PromotionSteps.recordPromotion(
            of: candidate.nodeID, in: catalog, demoted: [oldPrimary.nodeID: candidate.nodeID])
        return (term, oldConninfo)
    }

    /// True once the old primary is no longer a running primary: connections are refused, or
    /// it already came back in recovery (its control script only starts it after a clean stop).
    /// A refused connection means the postmaster finished its shutdown, which it does only
    /// after its WAL senders delivered the shutdown checkpoint to the standbys; any other error
    /// (a session terminated by the shutdown, "shutting down") means it is not done yet.
    private func waitUntilStopped(_ conninfo: Conninfo, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            do {
                let connection = try await PostgresConnection.connect(conninfo, timeout: .seconds(1))
                let recovery = try await connection.query(
                    "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery", timeout: .seconds(1))
                if recovery.first?.bool("in_recovery") == true { return true }
            } catch {
                if error.detail?.contains("Connection refused") == true { return true }
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    private func waitForWAL(after lsn: LSN, on connection: PostgresConnection, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let received = try? await connection.query("SELECT pg_catalog.pg_last_wal_receive_lsn() AS lsn")
                .first?.lsn("lsn"), received > lsn
            {
                return true
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Brings the old primary back as the primary after a failed switchover: it was restarted
    /// as a standby by its control script, so it is promoted again.
    private func restoreOldPrimary(_ oldPrimary: NodeRecord, report: @escaping MessageSink) async {
        report(OperationMessage(.warning, "switchover failed: restoring \(oldPrimary.label) as the primary"))
        guard let conninfo = try? Conninfo(parsing: oldPrimary.conninfo) else { return }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let connection = try? await PostgresConnection.connect(conninfo, timeout: .seconds(2)) {
                if let facts = try? await NodeFacts.read(connection), facts.inRecovery {
                    _ = try? await PromotionSteps.promote(connection, timeout: .seconds(60))
                }
                try? await ServerSettings(connection: connection).set("primary_conninfo", to: nil)
                return
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        report(OperationMessage(.error, "\(oldPrimary.label) did not come back; start it and check its log"))
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
                """, [name])
        }
    }
}
