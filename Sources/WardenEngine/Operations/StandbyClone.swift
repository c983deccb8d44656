import Foundation

/// `standby clone`: copies an upstream server with pg_basebackup into this node's data
/// directory and writes the replication settings (primary_conninfo with
/// application_name = node_name, standby.signal, the replication slot).
///
/// The copy goes into a sibling directory that is renamed into place only when it is
/// complete, so a failed clone never leaves a half-written data directory.
public struct StandbyClone: Sendable {
    public let configuration: NodeConfiguration
    public let upstream: Conninfo
    public let upstreamNodeID: Int?
    public let fastCheckpoint: Bool
    public let force: Bool

    public init(
        configuration: NodeConfiguration, upstream: Conninfo, upstreamNodeID: Int?, fastCheckpoint: Bool, force: Bool
    ) {
        self.configuration = configuration
        self.upstream = upstream
        self.upstreamNodeID = upstreamNodeID
        self.fastCheckpoint = fastCheckpoint
        self.force = force
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        /// The pg_basebackup command line; its conninfo has no password (``PrivatePassfile``).
        public let command: [String]
        /// The password pg_basebackup gets through a private passfile.
        let password: String?
        let source: Catalog?
        let slotName: String?
        let slotCreated: Bool
    }

    var stagingDirectory: String { configuration.dataDirectory + ".pgwarden-clone" }

    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        var plan = OperationPlan(operation: "standby clone")
        let dataDirectory = configuration.dataDirectory
        report(OperationMessage(.notice, "destination directory \"\(dataDirectory)\" provided"))
        try DataDirectoryAccess.requireOwner(of: dataDirectory)

        if DataDirectoryAccess.runningPostmaster(in: dataDirectory) != nil {
            throw WardenError(
                "specified data directory \"\(dataDirectory)\" appears to contain a running PostgreSQL instance",
                hint: "ensure the target data directory does not contain a running PostgreSQL instance",
                exitStatus: .badConfig)
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory)) ?? []
        if !contents.isEmpty {
            if force {
                plan.checks.append(
                    .warning("data directory", "\"\(dataDirectory)\" is not empty and will be replaced (--force)"))
            } else {
                throw WardenError(
                    "specified data directory \"\(dataDirectory)\" exists and is not empty",
                    hint: "use -F/--force to overwrite its contents, or empty it first", exitStatus: .badConfig)
            }
        } else {
            plan.checks.append(.pass("data directory", "\"\(dataDirectory)\" is empty or absent"))
        }

        report(OperationMessage(.info, "connecting to source node", detail: "connection string is: \(upstream)"))
        let connection = try await PostgresConnection.connect(upstream)
        let facts = try await connection.query(
            """
            SELECT pg_catalog.pg_size_pretty(sum(pg_catalog.pg_database_size(oid))::bigint) AS size,
                   current_setting('max_wal_senders')::int AS max_wal_senders,
                   (SELECT count(*) FROM pg_catalog.pg_stat_replication)::int AS used_wal_senders,
                   current_setting('max_replication_slots')::int AS max_slots,
                   (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int AS used_slots,
                   pg_catalog.pg_is_in_recovery() AS in_recovery
              FROM pg_catalog.pg_database
            """)
        guard let row = facts.first else {
            throw WardenError("unable to query the source node", exitStatus: .dbQuery)
        }
        report(OperationMessage(.info, "current installation size is \(row.string("size") ?? "unknown")"))
        let freeSenders = (row.int("max_wal_senders") ?? 0) - (row.int("used_wal_senders") ?? 0)
        if freeSenders >= 2 {
            plan.checks.append(.pass("walsenders", "2 required, \(freeSenders) available on the source node"))
        } else {
            plan.checks.append(
                .fail(
                    "walsenders",
                    WardenError(
                        "insufficient free walsenders on the source node (2 required, \(freeSenders) available)",
                        hint: "increase max_wal_senders on the source node", exitStatus: .badConfig)))
        }

        var slotName: String?
        var slotExists = false
        if configuration.useReplicationSlots {
            let name = NodeRecord.defaultSlotName(nodeID: configuration.nodeID)
            slotName = name
            let slot = try await connection.query(
                "SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name = $1", [name])
            if let existing = slot.first {
                slotExists = true
                if existing.bool("active") == true {
                    plan.checks.append(
                        .fail(
                            "replication slot",
                            WardenError(
                                "replication slot \"\(name)\" on the source node is in use",
                                hint: "another server streams through it; check node_id", exitStatus: .badConfig)))
                } else {
                    plan.checks.append(.pass("replication slot", "existing inactive slot \"\(name)\" will be reused"))
                }
            } else if (row.int("max_slots") ?? 0) - (row.int("used_slots") ?? 0) < 1 {
                plan.checks.append(
                    .fail(
                        "replication slot",
                        WardenError(
                            "no free replication slot on the source node",
                            hint: "increase max_replication_slots on the source node", exitStatus: .badConfig)))
            } else {
                plan.checks.append(.pass("replication slot", "slot \"\(name)\" will be created"))
            }
        }

        var source: Catalog?
        let catalog = Catalog(connection: connection)
        if (try? await catalog.schemaExists()) == true {
            source = catalog
            if let upstreamNodeID {
                if try await catalog.node(id: upstreamNodeID) == nil {
                    plan.checks.append(
                        .fail(
                            "upstream node",
                            WardenError(
                                "no record found for upstream node \(upstreamNodeID)", exitStatus: .badConfig)))
                } else {
                    report(OperationMessage(.notice, "standby will attach to upstream node \(upstreamNodeID)"))
                }
            }
        }

        let (backupSource, password) = try PrivatePassfile.split(
            upstream.replacing(key: "user", with: configuration.replicationUserForClone(upstream)))
        var command = [
            configuration.binaryPath("pg_basebackup"), "--label=pgwarden base backup", "--pgdata=\(stagingDirectory)",
            "--dbname=\(backupSource.connectionString)",
            "--wal-method=stream", "--progress", "--no-password",
        ]
        if fastCheckpoint { command.append("--checkpoint=fast") }
        if let slotName {
            command.append("--slot=\(slotName)")
            if !slotExists { command.append("--create-slot") }
        }
        command += configuration.pgBasebackupOptions.split(separator: " ").map(String.init)
        plan.actions.append(
            "execute: \(Conninfo.maskPasswords(in: command.map(ShellQuoting.quote).joined(separator: " ")))")
        plan.actions.append("write primary_conninfo, standby.signal and move the copy to \"\(dataDirectory)\"")
        return Prepared(
            plan: plan, command: command, password: password, source: source, slotName: slotName,
            slotCreated: !slotExists)
    }

    public func run(
        _ prepared: Prepared, report: @escaping MessageSink, progress: @escaping @Sendable (CloneProgress) -> Void
    ) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        let manager = FileManager.default
        let staging = stagingDirectory
        try? manager.removeItem(atPath: staging)
        report(OperationMessage(.notice, "starting backup (using pg_basebackup)..."))
        let started = ContinuousClock.now
        let outcome = try await PrivatePassfile.withPassword(prepared.password) { environment in
            await ChildProcess.run(prepared.command, environment: environment) { line in
                if let update = CloneProgress.parse(line, elapsed: ContinuousClock.now - started) {
                    progress(update)
                }
            }
        }
        guard outcome.exitCode == 0 else {
            try? manager.removeItem(atPath: staging)
            if prepared.slotCreated, let slot = prepared.slotName, let source = prepared.source {
                _ = try? await source.connection.query(
                    "SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND NOT active",
                    [slot])
            }
            let lines = outcome.output.split(separator: "\n").filter { !$0.contains(" kB (") }
            throw WardenError(
                "unable to take a base backup of the source node",
                detail: lines.suffix(6).joined(separator: "\n"),
                hint: "nothing was left in \"\(configuration.dataDirectory)\"; fix the cause and run the clone again",
                exitStatus: .badBaseBackup)
        }
        do {
            try writeReplicationSettings(into: staging, slotName: prepared.slotName)
            try replaceDataDirectory(with: staging)
        } catch {
            try? manager.removeItem(atPath: staging)
            throw WardenError(
                "unable to finish the clone: \(error.localizedDescription)",
                hint: "nothing was left in \"\(configuration.dataDirectory)\"", exitStatus: .badBaseBackup)
        }
        report(OperationMessage(.notice, "standby clone (using pg_basebackup) complete"))
        if let source = prepared.source {
            let primary = await writableCatalog(from: source)
            if let primary {
                await EventRecorder(report: report, configuration: configuration).record(
                    "standby_clone", nodeID: configuration.nodeID,
                    details:
                        "cloned from host \"\(upstream.host ?? "")\", port \(upstream.port ?? "5432"); backup method: pg_basebackup; --force: \(force ? "Y" : "N")",
                    in: primary)
            }
        }
        report(
            OperationMessage(
                .notice, "you can now start your PostgreSQL server",
                hint: "after starting the server, register this standby with \"pgwarden standby register\""))
    }

    /// The metadata lives on the primary; when cloning from a standby, find it.
    private func writableCatalog(from source: Catalog) async -> Catalog? {
        let recovery = try? await source.connection.query("SELECT pg_catalog.pg_is_in_recovery() AS r")
        if recovery?.first?.bool("r") == false { return source }
        guard let nodes = try? await source.nodes() else { return nil }
        return try? await ClusterConnector.primary(among: nodes).1
    }

    private func writeReplicationSettings(into directory: String, slotName: String?) throws {
        var primaryConninfo = Conninfo(parameters: [])
        for key in ["host", "hostaddr", "port", "sslmode", "connect_timeout"] {
            if let value = upstream[key] { primaryConninfo[key] = value }
        }
        primaryConninfo["user"] = configuration.replicationUserForClone(upstream)
        primaryConninfo["application_name"] = configuration.nodeName
        try StandbySettingsFile.write(
            into: directory, primaryConninfo: primaryConninfo.connectionString, slotName: slotName,
            writtenBy: "standby clone")
        _ = chmod(directory, 0o700)
    }

    private func replaceDataDirectory(with staging: String) throws {
        let manager = FileManager.default
        let target = configuration.dataDirectory
        if manager.fileExists(atPath: target) {
            let retired = target + ".pgwarden-replaced"
            try? manager.removeItem(atPath: retired)
            try manager.moveItem(atPath: target, toPath: retired)
            try manager.moveItem(atPath: staging, toPath: target)
            try? manager.removeItem(atPath: retired)
        } else {
            try manager.moveItem(atPath: staging, toPath: target)
        }
    }
}

extension Conninfo {
    /// A copy with one parameter set.
    func replacing(key: String, with value: String?) -> Conninfo {
        var copy = self
        copy[key] = value
        return copy
    }
}
