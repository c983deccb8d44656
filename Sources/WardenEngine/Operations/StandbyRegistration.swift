import Foundation

/// `standby register`: writes a running standby's node record on the primary, with the
/// primary or `--upstream-node-id` (cascading) as its upstream, and records `standby_register`.
public struct StandbyRegistration: Sendable {
    public let configuration: NodeConfiguration
    public let upstreamNodeID: Int?
    public let force: Bool
    /// How long to wait for the local server to accept connections (`--wait-start`).
    public let waitStart: Duration

    public init(configuration: NodeConfiguration, upstreamNodeID: Int?, force: Bool, waitStart: Duration) {
        self.configuration = configuration
        self.upstreamNodeID = upstreamNodeID
        self.force = force
        self.waitStart = waitStart
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        let primary: Catalog?
        let record: NodeRecord?
        let overwrite: Bool
        let local: PostgresConnection
        let primaryRecord: NodeRecord?
    }

    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        try NodeNameCheck.requireValid(configuration)
        var plan = OperationPlan(operation: "standby register")
        let conninfo = try Conninfo(parsing: configuration.conninfo)
        report(
            OperationMessage(
                .info, "connecting to local node \"\(configuration.nodeName)\" (ID: \(configuration.nodeID))"))
        let local = try await connectWaiting(conninfo)

        let recovery = try await local.query("SELECT pg_catalog.pg_is_in_recovery() AS in_recovery")
        if recovery.first?.bool("in_recovery") == false {
            throw WardenError(
                "this node is not a standby: it is running as a primary",
                hint: "register a primary with \"pgwarden primary register\"", exitStatus: .badConfig)
        }
        plan.checks.append(.pass("server role", "node is a running standby"))
        let metadataSource = Catalog(connection: local)
        guard try await metadataSource.schemaExists() else {
            throw WardenError(
                "no primary is registered: the \"repmgr\" metadata schema does not exist in this cluster",
                hint: "run \"pgwarden primary register\" on the primary first", exitStatus: .badConfig)
        }
        report(OperationMessage(.info, "connecting to primary database"))
        let nodes = try await metadataSource.nodes()
        let (primaryRecord, primary) = try await ClusterConnector.primary(among: nodes)
        let current = try await primary.nodes()

        let upstream: NodeRecord
        if let upstreamNodeID {
            guard let found = current.first(where: { $0.nodeID == upstreamNodeID }) else {
                throw WardenError(
                    "unable to find record for intended upstream node \(upstreamNodeID)",
                    hint: "register the upstream node first", exitStatus: .badConfig)
            }
            guard found.type != .witness, found.nodeID != configuration.nodeID else {
                throw WardenError(
                    "\(found.label) cannot be the upstream of this standby", exitStatus: .badConfig)
            }
            upstream = found
            if !found.active {
                plan.checks.append(.warning("upstream", "upstream \(found.label) is registered as inactive"))
            }
        } else {
            upstream = primaryRecord
            report(
                OperationMessage(
                    .warning,
                    "--upstream-node-id not supplied, assuming upstream node is primary (node ID: \(primaryRecord.nodeID))"
                ))
        }

        let existing = current.first { $0.nodeID == configuration.nodeID }
        if existing != nil && !force {
            plan.checks.append(
                .fail(
                    "node record",
                    WardenError(
                        "node \(configuration.nodeID) is already registered",
                        hint: "use option -F/--force to overwrite an existing node record", exitStatus: .badConfig)))
        }
        if let clash = PreflightCheck.nameClash(configuration, among: current) { plan.checks.append(clash) }
        let upstreamObservation = await NodeProber.probe(upstream.conninfo)
        if upstreamObservation.hasDownstream(named: configuration.nodeName) {
            plan.checks.append(.pass("replication", "node is streaming from upstream \(upstream.label)"))
        } else {
            plan.checks.append(
                .warning(
                    "replication",
                    "this node is not (yet) streaming from upstream \(upstream.label) with application_name \"\(configuration.nodeName)\""
                ))
        }
        let record = NodeRecord(
            nodeID: configuration.nodeID, upstreamNodeID: upstream.nodeID, active: true,
            nodeName: configuration.nodeName, type: .standby, location: configuration.location,
            priority: configuration.priority, conninfo: configuration.conninfo,
            replicationUser: configuration.effectiveReplicationUser,
            slotName: configuration.useReplicationSlots
                ? NodeRecord.defaultSlotName(nodeID: configuration.nodeID) : nil,
            configFile: configuration.filePath)
        plan.actions.append(
            "\(existing == nil ? "insert" : "overwrite") the standby node record with upstream \(upstream.label)")
        return Prepared(
            plan: plan, primary: primary, record: record, overwrite: existing != nil, local: local,
            primaryRecord: primaryRecord)
    }

    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        guard let primary = prepared.primary, let record = prepared.record else { return }
        if prepared.overwrite {
            try await primary.update(record)
        } else {
            try await primary.insert(record)
        }
        await EventRecorder(report: report, configuration: configuration).record(
            "standby_register", nodeID: record.nodeID,
            details: "standby registration succeeded; upstream node ID is \(record.upstreamNodeID ?? 0)", in: primary,
            primaryNodeID: prepared.primaryRecord?.nodeID, primaryConninfo: prepared.primaryRecord?.conninfo,
            primaryName: prepared.primaryRecord?.nodeName)
        await waitForRecord(record, on: Catalog(connection: prepared.local), report: report)
        report(
            OperationMessage(
                .notice, "standby node \"\(record.nodeName)\" (ID: \(record.nodeID)) successfully registered"))
    }

    /// Waits (up to 10 s) until the new record has replicated to the standby itself, so that
    /// commands run there right afterwards see it.
    private func waitForRecord(_ record: NodeRecord, on local: Catalog, report: @escaping MessageSink) async {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let found = try? await local.node(id: record.nodeID), found == record { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
        report(OperationMessage(.warning, "the node record has not yet replicated to this standby"))
    }

    /// Connects to the local server, retrying until `waitStart` has passed.
    private func connectWaiting(_ conninfo: Conninfo) async throws(WardenError) -> PostgresConnection {
        let deadline = ContinuousClock.now + waitStart
        while true {
            do {
                return try await PostgresConnection.connect(conninfo)
            } catch {
                if ContinuousClock.now >= deadline {
                    throw WardenError(
                        "unable to connect to local node \"\(configuration.nodeName)\" (ID: \(configuration.nodeID))",
                        detail: error.detail, hint: "start the standby first (or raise --wait-start)",
                        exitStatus: .dbConnection)
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}
