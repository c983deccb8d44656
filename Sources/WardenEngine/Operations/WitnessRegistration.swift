/// `witness register`: registers a witness, a separate PostgreSQL instance outside replication that
/// keeps a copy of the cluster metadata and casts a vote in failover decisions.
///
/// Runs on the witness with the primary's connection details (`-h/-p/-U/-d`). Checks, as repmgr 5.3
/// does: the witness runs and is not in recovery; the given server is a primary with registered
/// metadata; the witness is not a node of the primary's own cluster (same system identifier); the node
/// ID is not taken (by another type, or by this witness without `--force`); the name is not taken; the
/// witness does not already hold node records (without `--force`). Then it creates the metadata schema on
/// the witness if missing (`cluster_created`, recorded on the witness), writes the witness record on the
/// primary (type `witness`, upstream the primary, priority 0), copies `repmgr.nodes` to the witness and
/// records `witness_register`.
public struct WitnessRegistration: Sendable {
    public let configuration: NodeConfiguration
    /// Where to reach the primary (`-h/-p/-U/-d`); user and database default to the witness's.
    public let primaryConninfo: Conninfo
    public let force: Bool

    public init(configuration: NodeConfiguration, primaryConninfo: Conninfo, force: Bool) {
        self.configuration = configuration
        self.primaryConninfo = primaryConninfo
        self.force = force
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        let witness: Catalog
        let primary: Catalog
        let primaryRecord: NodeRecord
        let witnessSchemaExists: Bool
        let existingRecord: NodeRecord?
    }

    /// The record this witness gets on the primary.
    func record(upstream primaryNodeID: Int) -> NodeRecord {
        NodeRecord(
            nodeID: configuration.nodeID, upstreamNodeID: primaryNodeID, active: true,
            nodeName: configuration.nodeName, type: .witness, location: configuration.location, priority: 0,
            conninfo: configuration.conninfo, replicationUser: configuration.effectiveReplicationUser,
            slotName: configuration.useReplicationSlots
                ? NodeRecord.defaultSlotName(nodeID: configuration.nodeID) : nil,
            configFile: configuration.filePath)
    }

    private var label: String { "witness node \"\(configuration.nodeName)\" (ID: \(configuration.nodeID))" }

    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        try NodeNameCheck.requireValid(configuration)
        var plan = OperationPlan(operation: "witness register")
        report(OperationMessage(.info, "connecting to \(label)"))
        let witnessConnection: PostgresConnection
        do throws(WardenError) {
            witnessConnection = try await PostgresConnection.connect(try Conninfo(parsing: configuration.conninfo))
        } catch {
            throw WardenError(
                "unable to connect to \(label)", detail: error.detail ?? error.message,
                hint: "the witness node must be running before it can be registered", exitStatus: .badConfig)
        }
        if try await Self.inRecovery(witnessConnection) {
            throw WardenError(
                "provided node is a standby", hint: "a witness node must run on an independent primary server",
                exitStatus: .badConfig)
        }
        plan.checks.append(.pass("witness server", "the witness is running and not in recovery"))

        report(OperationMessage(.info, "connecting to primary node"))
        let given: PostgresConnection
        do throws(WardenError) {
            given = try await PostgresConnection.connect(primaryConninfo)
        } catch {
            throw WardenError(
                "unable to connect to the primary node", detail: error.detail ?? error.message,
                hint: "a primary node must be configured before registering a witness node", exitStatus: .badConfig)
        }
        if try await Self.inRecovery(given) {
            throw WardenError(
                "provided primary node is a standby",
                hint: "provide the connection details of the cluster's primary server", exitStatus: .badConfig)
        }
        let givenCatalog = Catalog(connection: given)
        let registeredPrimary: NodeRecord?
        if try await givenCatalog.schemaExists() {
            registeredPrimary = try await givenCatalog.nodes().first { $0.type == .primary && $0.active }
        } else {
            registeredPrimary = nil
        }
        guard let primaryRecord = registeredPrimary else {
            throw WardenError(
                "unable to determine the cluster's primary node",
                hint: "ensure the primary node connection details are correct and that it is registered",
                exitStatus: .badConfig)
        }
        // Reconnect through the registered conninfo: the given details might even lead to the witness.
        let primaryConnection: PostgresConnection
        do throws(WardenError) {
            primaryConnection = try await PostgresConnection.connect(try Conninfo(parsing: primaryRecord.conninfo))
        } catch {
            throw WardenError(
                "unable to reconnect to the primary node (node \(primaryRecord.nodeID))",
                detail: "primary node's conninfo is \"\(Conninfo.maskPasswords(in: primaryRecord.conninfo))\"",
                exitStatus: .badConfig)
        }
        if try await Self.inRecovery(primaryConnection) {
            throw WardenError(
                "registered primary \(primaryRecord.label) is in recovery",
                hint: "provide the connection details of the cluster's primary server", exitStatus: .badConfig)
        }
        let primary = Catalog(connection: primaryConnection)
        let witness = Catalog(connection: witnessConnection)
        plan.checks.append(.pass("primary", "the cluster's primary is \(primaryRecord.label)"))

        let witnessSystem = try await Self.systemIdentifier(witnessConnection)
        let primarySystem = try await Self.systemIdentifier(primaryConnection)
        if let witnessSystem, witnessSystem == primarySystem {
            plan.checks.append(
                .fail(
                    "separate instance",
                    WardenError(
                        "witness node cannot be in the same cluster as the primary node",
                        detail:
                            "database system identifiers on primary node and provided witness node match (\(witnessSystem))",
                        hint: "the witness node must be created on a separate read/write node", exitStatus: .badConfig))
            )
        } else {
            plan.checks.append(
                .pass("separate instance", "the witness is not part of the primary's replication cluster"))
        }

        let witnessSchemaExists = try await witness.schemaExists()
        if witnessSchemaExists {
            plan.checks.append(.pass("witness metadata", "schema \"repmgr\" already exists on the witness"))
        } else {
            plan.actions.append("create the metadata schema \"repmgr\" on the witness")
        }

        let nodes = try await primary.nodes()
        let existing = nodes.first { $0.nodeID == configuration.nodeID }
        if let existing {
            if existing.type != .witness {
                plan.checks.append(
                    .fail(
                        "node record",
                        WardenError(
                            "node \"\(configuration.nodeName)\" (ID: \(configuration.nodeID)) is already registered as a \(existing.type.rawValue) node",
                            hint:
                                "use \"pgwarden \(existing.type.rawValue) unregister\" to remove a non-witness node record",
                            exitStatus: .badConfig)))
            } else if !force {
                plan.checks.append(
                    .fail(
                        "node record",
                        WardenError(
                            "witness node is already registered", hint: "use option -F/--force to reregister the node",
                            exitStatus: .badConfig)))
            } else {
                plan.checks.append(.warning("node record", "the existing witness record will be overwritten (--force)"))
            }
        } else {
            plan.checks.append(.pass("node record", "node ID \(configuration.nodeID) is not registered yet"))
        }
        if let clash = nodes.first(where: {
            $0.nodeName == configuration.nodeName && $0.active && $0.nodeID != configuration.nodeID
        }) {
            plan.checks.append(
                .fail(
                    "node name",
                    WardenError(
                        "node \(clash.nodeID) exists already with node_name \"\(configuration.nodeName)\"",
                        hint: "node_name must be unique in the cluster", exitStatus: .badConfig)))
        }
        if witnessSchemaExists {
            let copied = try await witness.nodes()
            if !copied.isEmpty && !force {
                plan.checks.append(
                    .fail(
                        "witness metadata",
                        WardenError(
                            "witness node is already initialised and contains node records",
                            hint: "use option -F/--force to reinitialise the node", exitStatus: .badConfig)))
            }
        }
        plan.actions.append(
            "\(existing == nil ? "insert" : "overwrite") the witness node record on the primary with upstream \(primaryRecord.label)"
        )
        plan.actions.append("copy the primary's node records to the witness")
        return Prepared(
            plan: plan, witness: witness, primary: primary, primaryRecord: primaryRecord,
            witnessSchemaExists: witnessSchemaExists, existingRecord: existing)
    }

    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        let events = EventRecorder(report: report, configuration: configuration)
        let witness = prepared.witness
        let primary = prepared.primary
        if !prepared.witnessSchemaExists {
            report(OperationMessage(.notice, "creating metadata schema \"repmgr\" on the witness"))
            try await witness.begin()
            do throws(WardenError) {
                try await witness.createSchema()
                try await witness.commit()
            } catch {
                await witness.rollback()
                throw WardenError(
                    "unable to create the metadata schema on the witness", detail: error.message,
                    hint: "the connecting user must be allowed to create a schema in the witness database",
                    exitStatus: .badConfig)
            }
            report(OperationMessage(.notice, "metadata schema \"repmgr\" successfully created"))
            await events.record("cluster_created", nodeID: configuration.nodeID, in: witness)
        }

        let record = record(upstream: prepared.primaryRecord.nodeID)
        do throws(WardenError) {
            if prepared.existingRecord != nil {
                try await primary.update(record)
            } else {
                try await primary.insert(record)
            }
        } catch {
            throw WardenError(
                "unable to create or update node record on primary", detail: error.message, exitStatus: .badConfig)
        }
        try await WitnessMetadataSync.sync(from: primary, to: witness)

        await events.record(
            "witness_register", nodeID: configuration.nodeID,
            details: "witness registration succeeded; upstream node ID is \(prepared.primaryRecord.nodeID)",
            in: primary,
            primaryNodeID: prepared.primaryRecord.nodeID, primaryConninfo: prepared.primaryRecord.conninfo,
            primaryName: prepared.primaryRecord.nodeName)
        report(OperationMessage(.info, "witness registration complete"))
        report(OperationMessage(.notice, "\(label) successfully registered"))
    }

    static func inRecovery(_ connection: PostgresConnection) async throws(WardenError) -> Bool {
        try await connection.query("SELECT pg_catalog.pg_is_in_recovery() AS in_recovery").first?.bool("in_recovery")
            ?? false
    }

    static func systemIdentifier(_ connection: PostgresConnection) async throws(WardenError) -> String? {
        try await connection.query("SELECT system_identifier::text AS id FROM pg_catalog.pg_control_system()").first?
            .string("id")
    }
}
