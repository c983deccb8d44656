/// `primary register`: creates the metadata schema if needed and writes the primary's node
/// record, all in one transaction, then records `cluster_created` / `primary_register`.
public struct PrimaryRegistration: Sendable {
    public let configuration: NodeConfiguration
    public let force: Bool

    public init(configuration: NodeConfiguration, force: Bool) {
        self.configuration = configuration
        self.force = force
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        let catalog: Catalog
        let schemaExists: Bool
        let existingRecord: NodeRecord?
    }

    var record: NodeRecord {
        NodeRecord(
            nodeID: configuration.nodeID, upstreamNodeID: nil, active: true, nodeName: configuration.nodeName,
            type: .primary, location: configuration.location, priority: configuration.priority,
            conninfo: configuration.conninfo, replicationUser: configuration.effectiveReplicationUser,
            slotName: configuration.useReplicationSlots
                ? NodeRecord.defaultSlotName(nodeID: configuration.nodeID) : nil,
            configFile: configuration.filePath)
    }

    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        try NodeNameCheck.requireValid(configuration)
        report(OperationMessage(.info, "connecting to primary database..."))
        let conninfo = try Conninfo(parsing: configuration.conninfo)
        let connection = try await PostgresConnection.connect(conninfo)
        let catalog = Catalog(connection: connection)
        var plan = OperationPlan(operation: "primary register")

        let recovery = try await connection.query("SELECT pg_catalog.pg_is_in_recovery() AS in_recovery")
        if recovery.first?.bool("in_recovery") == true {
            plan.checks.append(
                .fail(
                    "server role",
                    WardenError(
                        "server is in standby mode and cannot be registered as a primary",
                        hint: "register this node with \"pgwarden standby register\" instead", exitStatus: .badConfig)))
            return Prepared(plan: plan, catalog: catalog, schemaExists: false, existingRecord: nil)
        }
        plan.checks.append(.pass("server role", "node is not in recovery"))

        let schemaExists = try await catalog.schemaExists()
        var existing: NodeRecord?
        if schemaExists {
            plan.checks.append(.pass("metadata schema", "schema \"repmgr\" already exists and will be used as it is"))
            let nodes = try await catalog.nodes()
            existing = nodes.first { $0.nodeID == configuration.nodeID }
            if existing != nil && !force {
                plan.checks.append(
                    .fail(
                        "node record",
                        WardenError(
                            "this node is already registered",
                            hint: "use -F/--force to overwrite the existing node record", exitStatus: .badConfig)))
            }
            if let clash = PreflightCheck.nameClash(configuration, among: nodes) { plan.checks.append(clash) }
            if let other = nodes.first(where: { $0.type == .primary && $0.active && $0.nodeID != configuration.nodeID }
            ),
                !force
            {
                plan.checks.append(
                    .fail(
                        "other primary",
                        WardenError(
                            "there is already an active registered primary \(other.label) in this cluster",
                            hint:
                                "unregister it with \"pgwarden primary unregister --node-id=\(other.nodeID)\" or use -F/--force",
                            exitStatus: .badConfig)))
            }
            plan.actions.append(
                existing == nil ? "insert the primary node record" : "overwrite the primary node record")
        } else {
            plan.checks.append(.pass("metadata schema", "schema \"repmgr\" will be created"))
            plan.actions.append("create the metadata schema \"repmgr\"")
            plan.actions.append("insert the primary node record")
        }
        return Prepared(plan: plan, catalog: catalog, schemaExists: schemaExists, existingRecord: existing)
    }

    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        let catalog = prepared.catalog
        // Rows are written inside the transaction; notifications run only after it committed.
        let events = EventRecorder(report: report)
        let recorded = prepared.schemaExists ? ["primary_register"] : ["cluster_created", "primary_register"]
        try await catalog.begin()
        do throws(WardenError) {
            if !prepared.schemaExists {
                report(OperationMessage(.notice, "creating metadata schema \"repmgr\""))
                try await catalog.createSchema()
            }
            // The secret that authenticates the daemons' messages (kept when already there).
            try await ClusterSecret.ensure(on: catalog)
            if prepared.existingRecord != nil {
                try await catalog.update(record)
            } else {
                try await catalog.insert(record)
            }
            for event in recorded { await events.record(event, nodeID: configuration.nodeID, in: catalog) }
            try await catalog.commit()
        } catch {
            await catalog.rollback()
            throw WardenError(
                "unable to register the primary node", detail: error.message,
                hint: "nothing was changed; fix the cause and run the command again", exitStatus: error.exitStatus)
        }
        if !prepared.schemaExists {
            report(OperationMessage(.notice, "metadata schema \"repmgr\" successfully created"))
        }
        let notifier = EventNotifier(configuration: configuration, report: report)
        for event in recorded where notifier.wants(event) {
            await notifier.notify(
                EventNotifier.Event(
                    nodeID: configuration.nodeID, name: event, successful: true,
                    timestamp: EventNotifier.fallbackTimestamp(), details: "", primaryNodeID: nil, primaryConninfo: nil,
                    primaryName: nil))
        }
        report(OperationMessage(.notice, "primary node record (ID: \(configuration.nodeID)) registered"))
    }
}
