/// `witness unregister`: deletes a witness's node record on the primary and records
/// `witness_unregister`. The witness instance itself is not touched, except that its metadata copy is
/// refreshed when it is reachable (so it no longer lists itself).
///
/// The witness is this node unless `--node-id` names another one. The primary is found through this
/// node's metadata, or through `-h/-p` when given (needed when this node is down).
public struct WitnessUnregistration: Sendable {
    public let configuration: NodeConfiguration
    /// `--node-id` (nil: this node).
    public let nodeID: Int?
    /// `-h/-p/-U/-d`: the primary, when this node cannot be asked.
    public let primaryConninfo: Conninfo?
    /// `-F`: go on when this node cannot be reached (repmgr's flag; `-h/-p` does the same).
    public let force: Bool

    public init(configuration: NodeConfiguration, nodeID: Int?, primaryConninfo: Conninfo?, force: Bool) {
        self.configuration = configuration
        self.nodeID = nodeID
        self.primaryConninfo = primaryConninfo
        self.force = force
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        let primary: Catalog
        let target: NodeRecord
    }

    public var targetID: Int { nodeID ?? configuration.nodeID }

    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        var plan = OperationPlan(operation: "witness unregister")
        report(
            OperationMessage(
                .info, "connecting to node \"\(configuration.nodeName)\" (ID: \(configuration.nodeID))"))
        var local: Catalog?
        do throws(WardenError) {
            local = try await ClusterConnector.connectWithMetadata(try Conninfo(parsing: configuration.conninfo))
        } catch {
            if primaryConninfo == nil && !force {
                throw WardenError(
                    "unable to connect to node \"\(configuration.nodeName)\" (ID: \(configuration.nodeID))",
                    detail: error.detail ?? error.message,
                    hint: "give the primary's connection details with -h/-p to remove the record there",
                    exitStatus: .badConfig)
            }
            report(
                OperationMessage(
                    .notice,
                    "unable to connect to witness node \"\(configuration.nodeName)\" (ID: \(configuration.nodeID)), removing node record on cluster primary only"
                ))
        }

        let primary: Catalog
        do throws(WardenError) {
            if let primaryConninfo {
                let connection = try await PostgresConnection.connect(primaryConninfo)
                let recovery = try await connection.query("SELECT pg_catalog.pg_is_in_recovery() AS in_recovery")
                if recovery.first?.bool("in_recovery") != false {
                    throw WardenError(
                        "the server given with -h/-p is in recovery",
                        hint: "provide connection details for the primary server", exitStatus: .badConfig)
                }
                primary = Catalog(connection: connection)
            } else if let local {
                primary = try await ClusterConnector.primary(among: local.nodes()).1
            } else {
                throw WardenError(
                    "no connection details for the primary", hint: "provide connection details for the primary server",
                    exitStatus: .badConfig)
            }
        } catch {
            throw WardenError(
                "unable to connect to primary", detail: error.detail ?? error.message, hint: error.hint,
                exitStatus: .badConfig)
        }

        guard let target = try await primary.node(id: targetID) else {
            throw WardenError("no record found for node \(targetID)", exitStatus: .badConfig)
        }
        guard target.type == .witness else {
            throw WardenError(
                "node \(targetID) is not a witness node", detail: "node \(targetID) is a \(target.type.rawValue) node",
                hint: "use \"pgwarden \(target.type.rawValue) unregister\"", exitStatus: .badConfig)
        }
        plan.checks.append(.pass("node record", "\(target.label) is a registered witness"))
        plan.actions.append("delete the node record of \(target.label) on the primary")
        plan.actions.append("refresh the witness's copy of the metadata if it is reachable")
        return Prepared(plan: plan, primary: primary, target: target)
    }

    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        let target = prepared.target
        report(OperationMessage(.info, "unregistering witness node \(target.nodeID)"))
        do throws(WardenError) {
            try await prepared.primary.deleteNode(id: target.nodeID)
        } catch {
            throw WardenError(
                "unable to delete the node record of \(target.label)", detail: error.message, exitStatus: .badConfig)
        }
        do throws(WardenError) {
            let connection = try await PostgresConnection.connect(try Conninfo(parsing: target.conninfo))
            let witness = Catalog(connection: connection)
            if try await witness.schemaExists() {
                try await WitnessMetadataSync.sync(from: prepared.primary, to: witness)
            }
        } catch {
            report(
                OperationMessage(
                    .warning, "the metadata copy on \(target.label) was not refreshed",
                    detail: error.detail ?? error.message))
        }
        await EventRecorder(report: report, configuration: configuration).record(
            "witness_unregister", nodeID: target.nodeID, details: "witness unregistration succeeded",
            in: prepared.primary)
        report(
            OperationMessage(
                .info, "witness unregistration complete",
                detail: "witness node with ID \(target.nodeID) successfully unregistered"))
    }
}
