/// `primary unregister`: removes the record of a primary that is no longer the cluster's
/// running primary (typically one that failed and was replaced).
public struct PrimaryUnregistration: Sendable {
    public let nodeID: Int
    public let force: Bool

    public init(nodeID: Int, force: Bool) {
        self.nodeID = nodeID
        self.force = force
    }

    public func plan(via conninfo: Conninfo) async throws(WardenError) -> (OperationPlan, Catalog?) {
        let local = try await ClusterConnector.connectWithMetadata(conninfo)
        let nodes = try await local.nodes()
        var plan = OperationPlan(operation: "primary unregister")
        guard let target = nodes.first(where: { $0.nodeID == nodeID }) else {
            throw WardenError("node \(nodeID) (specified with --node-id) not found", exitStatus: .badConfig)
        }
        guard target.type == .primary else {
            throw WardenError(
                "\(target.label) is not a primary node (registered as \(target.type.rawValue))",
                hint: "use \"pgwarden \(target.type.rawValue) unregister\"", exitStatus: .badConfig)
        }
        let observation = await NodeProber.probe(target.conninfo)
        if observation.reachable && observation.inRecovery == false && target.active {
            let children = nodes.filter { $0.upstreamNodeID == target.nodeID }
            if !force || !children.isEmpty {
                plan.checks.append(
                    .fail(
                        "primary state",
                        WardenError(
                            "\(target.label) is the running primary of this cluster and cannot be unregistered",
                            hint: children.isEmpty
                                ? "use -F/--force to unregister it anyway"
                                : "it still has \(children.count) registered downstream node(s)",
                            exitStatus: .badConfig)))
            }
        } else {
            plan.checks.append(.pass("primary state", "\(target.label) is not running as the active primary"))
        }
        plan.actions.append("delete the node record of \(target.label)")
        let writable = try? await ClusterConnector.primary(among: nodes.filter { $0.nodeID != nodeID }).1
        let catalog = writable ?? (observation.reachable && observation.inRecovery == false ? local : nil)
        if catalog == nil {
            plan.checks.append(
                .fail(
                    "primary connection",
                    WardenError(
                        "unable to connect to a primary node to update the metadata",
                        hint: "the metadata can only be changed on the running primary", exitStatus: .dbConnection)))
        }
        return (plan, catalog)
    }

    public func run(plan: OperationPlan, catalog: Catalog?, report: @escaping MessageSink) async throws(WardenError) {
        try plan.requireSuccess()
        guard let catalog else { return }
        try await catalog.deleteNode(id: nodeID)
        await EventRecorder(report: report).record(
            "primary_unregister", nodeID: nodeID, details: "primary node \(nodeID) unregistered", in: catalog)
        report(OperationMessage(.notice, "node \(nodeID) was successfully unregistered"))
    }
}
