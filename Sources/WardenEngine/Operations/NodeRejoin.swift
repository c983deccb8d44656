import Foundation

/// `node rejoin`: attaches this stopped node (typically a failed primary) as a standby of the
/// current primary, rewinding it with pg_rewind when its timeline diverged. Runs on the node's
/// own host as the data directory's owner; the primary is found through `-d` (any live node).
public struct NodeRejoin: Sendable {
    public let configuration: NodeConfiguration
    public let source: Conninfo
    public let forceRewind: Bool

    public init(configuration: NodeConfiguration, source: Conninfo, forceRewind: Bool) {
        self.configuration = configuration
        self.source = source
        self.forceRewind = forceRewind
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        let primaryRecord: NodeRecord
        let primary: Catalog
        let me: NodeRecord
        let needsRewind: Bool
    }

    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        var plan = OperationPlan(operation: "node rejoin")
        try DataDirectoryAccess.requireOwner(of: configuration.dataDirectory)
        let control = try await readControlData()
        if DataDirectoryAccess.runningPostmaster(in: configuration.dataDirectory) != nil {
            throw WardenError(
                "database is still running in state \"\(control.state)\"",
                hint: "\"pgwarden node rejoin\" cannot be executed on a running node", exitStatus: .rejoinFailed)
        }
        let metadata = try await ClusterConnector.connectWithMetadata(source)
        let nodes = try await metadata.nodes()
        let (primaryRecord, primary) = try await ClusterConnector.primary(among: nodes)
        let current = try await primary.nodes()
        guard let me = current.first(where: { $0.nodeID == configuration.nodeID }) else {
            throw WardenError("node \(configuration.nodeID) is not registered", exitStatus: .rejoinFailed)
        }
        let primaryFacts = try await NodeFacts.read(primary.connection)
        let history = try await NodeFacts.timelineHistory(primary.connection, timeline: primaryFacts.timeline)
        let verdict = TimelineCompatibility.check(
            timeline: control.timeline, position: control.position, upstreamTimeline: primaryFacts.timeline,
            upstreamHistory: history)
        var needsRewind = false
        switch verdict {
        case .compatible:
            plan.checks.append(
                .pass(
                    "timeline",
                    "this node (timeline \(control.timeline), \(control.position)) can follow \(primaryRecord.label)"))
        case .diverged(let fork, let position):
            needsRewind = true
            let reason =
                "this node wrote WAL up to \(position) on timeline \(control.timeline), past the point \(fork) where \(primaryRecord.label)'s timeline \(primaryFacts.timeline) forked"
            if forceRewind {
                plan.checks.append(.warning("timeline", reason + "; pg_rewind will discard that WAL"))
            } else {
                plan.checks.append(
                    .fail(
                        "timeline",
                        WardenError(
                            "this node cannot attach to \(primaryRecord.label) without pg_rewind", detail: reason,
                            hint: "use --force-rewind", exitStatus: .rejoinFailed)))
            }
        case .unrelated:
            needsRewind = true
            if !forceRewind {
                plan.checks.append(
                    .fail(
                        "timeline",
                        WardenError(
                            "this node's timeline \(control.timeline) is not in the history of \(primaryRecord.label) (timeline \(primaryFacts.timeline))",
                            hint: "use --force-rewind", exitStatus: .rejoinFailed)))
            }
        }
        let compatible = verdict == .compatible
        if control.crashedInRecovery && compatible {
            // pg_rewind would first run crash recovery in single-user mode, which ends by writing a
            // checkpoint record onto this timeline, where the upstream has written other WAL: the node then
            // rejects everything it streams ("record with incorrect prev-link", "invalid resource manager
            // ID"). Started as a standby, it recovers without writing WAL.
            plan.checks.append(
                .pass(
                    "shutdown",
                    "a standby that stopped without a clean shutdown (\(control.state)); it recovers as a standby of \(primaryRecord.label) without pg_rewind"
                ))
        } else if !control.shutDownCleanly {
            if forceRewind {
                needsRewind = true
                plan.checks.append(
                    .warning(
                        "shutdown", "not shut down cleanly (\(control.state)); pg_rewind will run crash recovery first")
                )
            } else {
                plan.checks.append(
                    .fail(
                        "shutdown",
                        WardenError(
                            "this node was not shut down cleanly (state: \"\(control.state)\")",
                            hint:
                                "use --force-rewind (pg_rewind runs crash recovery first), or start and stop it cleanly",
                            exitStatus: .rejoinFailed)))
            }
        } else {
            plan.checks.append(.pass("shutdown", "node was shut down cleanly"))
        }
        if needsRewind && !(control.walLogHints || control.checksumsEnabled) {
            plan.checks.append(
                .fail(
                    "pg_rewind prerequisites",
                    WardenError(
                        "pg_rewind needs wal_log_hints=on or data checksums, and this node has neither",
                        hint: "clone the node again with \"pgwarden standby clone --force\"", exitStatus: .rejoinFailed)
                ))
        }
        if needsRewind { plan.actions.append("execute pg_rewind from \(primaryRecord.label)") }
        plan.actions.append("write standby.signal and primary_conninfo for \(primaryRecord.label), start the server")
        return Prepared(plan: plan, primaryRecord: primaryRecord, primary: primary, me: me, needsRewind: needsRewind)
    }

    /// Configuration files that belong to this node and must survive pg_rewind.
    static let preservedFiles = ["postgresql.conf", "postgresql.auto.conf", "pg_hba.conf", "pg_ident.conf"]

    private func readControlData() async throws(WardenError) -> ControlData {
        let outcome = await ChildProcess.run(
            [configuration.binaryPath("pg_controldata"), "-D", configuration.dataDirectory],
            environment: ["LC_ALL": "C", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        guard outcome.exitCode == 0, let control = ControlData(parsing: outcome.output) else {
            throw WardenError(
                "unable to read the control file of \"\(configuration.dataDirectory)\"",
                detail: outcome.output.trimmingTrailingNewlines(), exitStatus: .rejoinFailed)
        }
        return control
    }

    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        var me = prepared.me
        me.type = .standby
        me.upstreamNodeID = prepared.primaryRecord.nodeID
        if me.slotName == nil && configuration.useReplicationSlots {
            me.slotName = NodeRecord.defaultSlotName(nodeID: me.nodeID)
        }
        let primaryConninfo = try ReplicationSource.primaryConninfo(upstream: prepared.primaryRecord, follower: me)
        let data = configuration.dataDirectory
        if prepared.needsRewind {
            // pg_rewind copies the source's configuration files too; this node keeps its own.
            let preserved = Self.preservedFiles.compactMap { name -> (String, Data)? in
                FileManager.default.contents(atPath: data + "/" + name).map { (name, $0) }
            }
            // pg_rewind first runs crash recovery in single-user mode when the node was not shut down
            // cleanly, and single-user mode refuses a standby.signal (one the failover daemon may have
            // written to fence a stopped former primary). The signal file is written again below.
            // If pg_rewind fails, the signal files are put back, so the node still cannot start as a primary.
            let signals = ["standby.signal", "recovery.signal"].filter {
                FileManager.default.fileExists(atPath: data + "/" + $0)
            }
            for signal in signals { try? FileManager.default.removeItem(atPath: data + "/" + signal) }
            report(OperationMessage(.notice, "executing pg_rewind"))
            var sourceServer = try Conninfo(parsing: prepared.primaryRecord.conninfo)
            sourceServer["application_name"] = me.nodeName
            let (commandLine, password) = try PrivatePassfile.split(sourceServer)
            let outcome = try await PrivatePassfile.withPassword(password) { environment in
                await ChildProcess.run(
                    [
                        configuration.binaryPath("pg_rewind"), "--target-pgdata=\(data)",
                        "--source-server=\(commandLine.connectionString)", "--progress",
                    ], environment: environment)
            }
            guard outcome.exitCode == 0 else {
                for signal in signals { FileManager.default.createFile(atPath: data + "/" + signal, contents: Data()) }
                throw WardenError(
                    "pg_rewind failed", detail: outcome.output.trimmingTrailingNewlines(),
                    hint: "the data directory may need a fresh clone: \"pgwarden standby clone --force\"",
                    exitStatus: .rejoinFailed)
            }
            for (name, contents) in preserved {
                FileManager.default.createFile(
                    atPath: data + "/" + name, contents: contents, attributes: [.posixPermissions: 0o600])
            }
            report(OperationMessage(.info, "pg_rewind complete; this node's configuration files were kept"))
        }
        if let slot = me.slotName {
            try await ReplicationSlots.ensure(slot, on: prepared.primary.connection)
        }
        do {
            try StandbySettingsFile.write(
                into: data, primaryConninfo: primaryConninfo, slotName: me.slotName, writtenBy: "node rejoin")
        } catch {
            throw WardenError(
                "unable to write the replication settings: \(error.localizedDescription)", exitStatus: .rejoinFailed)
        }
        let commands = ServiceCommands(
            configuration: configuration, dataDirectory: data,
            fallbackBindir: ShellQuoting.quote(
                configuration.pgBindir.isEmpty ? "/usr/lib/postgresql/15/bin" : configuration.pgBindir))
        report(OperationMessage(.notice, "starting server"))
        let start = await ChildProcess.runLogged(
            ["/bin/sh", "-c", commands.start], logFile: data + "/pgwarden-server.log")
        guard start.exitCode == 0 else {
            let log = (try? String(contentsOfFile: data + "/pgwarden-server.log", encoding: .utf8)) ?? ""
            let tail = log.split(separator: "\n").suffix(5).joined(separator: "\n")
            throw WardenError(
                "unable to start the server", detail: "command: \(commands.start)\n\(tail)",
                hint: "see \(data)/pgwarden-server.log", exitStatus: .rejoinFailed)
        }
        try await prepared.primary.connection.query(
            "UPDATE repmgr.nodes SET type = 'standby', upstream_node_id = $2, active = true, slot_name = $3 WHERE node_id = $1",
            [String(me.nodeID), String(prepared.primaryRecord.nodeID), me.slotName])
        let verification = await verifyReplay(of: me, prepared: prepared)
        let details =
            "node \"\(me.nodeName)\" (ID: \(me.nodeID)) is now attached to node \"\(prepared.primaryRecord.nodeName)\" (ID: \(prepared.primaryRecord.nodeID))"
        let failure: String? =
            switch verification {
            case .success: nil
            case .failure(let failure): failure.reason
            }
        await EventRecorder(report: report, configuration: configuration).record(
            "node_rejoin", nodeID: me.nodeID, successful: failure == nil,
            details: failure.map { "node rejoin failed: the node \($0)" } ?? details, in: prepared.primary)
        if let failure {
            let log = (try? String(contentsOfFile: data + "/pgwarden-server.log", encoding: .utf8)) ?? ""
            let tail = log.split(separator: "\n").suffix(5).joined(separator: "\n")
            throw WardenError(
                "the node started but does not follow \(prepared.primaryRecord.label): it \(failure)",
                detail: tail.isEmpty ? nil : tail,
                hint:
                    "stop the node and execute \"pgwarden node rejoin --force-rewind\"; if it still does not follow, clone it again with \"pgwarden standby clone --force\"",
                exitStatus: .rejoinFailed)
        }
        await liftFence(of: me, prepared: prepared, report: report)
        report(OperationMessage(.notice, "NODE REJOIN successful", detail: details))
    }

    /// Waits until the started node streams from the primary and has replayed WAL the primary wrote
    /// after the node was started (the metadata update above is such a write), within
    /// `node_rejoin_timeout`.
    private func verifyReplay(of me: NodeRecord, prepared: Prepared) async -> Result<Void, ReplayVerification.Failure> {
        let primary = prepared.primary.connection
        let current = try? await primary.query("SELECT pg_catalog.pg_current_wal_lsn()::text AS lsn")
        guard let target = current?.first?.string("lsn").flatMap(LSN.init) else {
            return .failure(
                ReplayVerification.Failure(
                    reason: "could not be checked: the WAL position of \(prepared.primaryRecord.label) is unreadable"))
        }
        let verification = ReplayVerification(
            nodeName: me.nodeName, nodeConninfo: try? Conninfo(parsing: configuration.conninfo),
            upstreamLabel: prepared.primaryRecord.label)
        return await verification.wait(
            upstream: primary, target: target, timeout: .seconds(max(configuration.nodeRejoinTimeout, 1)))
    }

    /// A rejoined node is a standby of the current primary, so a fence it carried (a read-only
    /// default kept in postgresql.auto.conf, or a fenced row) is lifted: otherwise it would come
    /// back read-only the day it is promoted.
    private func liftFence(of me: NodeRecord, prepared: Prepared, report: @escaping MessageSink) async {
        if let conninfo = try? Conninfo(parsing: configuration.conninfo),
            let local = try? await PostgresConnection.connect(conninfo),
            (try? await ServerFence.isReadOnly(local)) == true
        {
            try? await ServerFence.lift(local)
        }
        guard (try? await FenceTable.fenced(prepared.primary))?[me.nodeID] != nil else { return }
        do {
            try await FenceTable.record(
                FenceRecord(
                    nodeID: me.nodeID, fenced: false, method: nil,
                    reason: "rejoined \(prepared.primaryRecord.label) as a standby", changedBy: configuration.nodeID),
                node: me, details: "\(me.label) unfenced: rejoined \(prepared.primaryRecord.label) as a standby",
                on: prepared.primary, recorder: EventRecorder(report: report, configuration: configuration),
                primaryNode: prepared.primaryRecord)
            report(OperationMessage(.notice, "the fence on this node was lifted"))
        } catch {
            report(OperationMessage(.warning, "unable to record that this node is no longer fenced: \(error.message)"))
        }
    }
}
