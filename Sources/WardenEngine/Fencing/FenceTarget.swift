/// What `node fence` and `node unfence` both find before planning: the node to act on, the
/// primary where the metadata is written, the cluster's term, the node's fence record, and a
/// connection to the node's server when it is reachable.
struct FenceTarget: Sendable {
    let node: NodeRecord
    let primaryNode: NodeRecord
    let primary: Catalog
    let term: Int?
    let record: FenceRecord?
    /// The node's server (the primary's own metadata connection when the node is the primary, so
    /// that terminating the other sessions spares it); nil when unreachable.
    let connection: PostgresConnection?
    /// Why the server could not be reached.
    let unreachableReason: String?

    var isPrimary: Bool { node.nodeID == primaryNode.nodeID }

    /// Reads the metadata through `entry` and looks for the node. Adds the checks it made to `plan`;
    /// returns nil when a check failed (the plan then says why).
    static func find(
        nodeID: Int?, configuration: NodeConfiguration?, entry: Conninfo, plan: inout OperationPlan
    ) async throws(WardenError) -> FenceTarget? {
        guard let targetID = nodeID ?? configuration?.nodeID else {
            throw WardenError(
                "no node to act on", hint: "give --node-id or a configuration file with node_id", exitStatus: .badConfig
            )
        }
        let metadata = try await ClusterConnector.connectWithMetadata(entry)
        let nodes = try await metadata.nodes()
        guard let node = nodes.first(where: { $0.nodeID == targetID }) else {
            plan.checks.append(
                .fail(
                    "node",
                    WardenError(
                        "node \(targetID) not found", hint: "check \"pgwarden cluster show\"", exitStatus: .badConfig)))
            return nil
        }
        guard node.type != .witness else {
            plan.checks.append(
                .fail(
                    "node",
                    WardenError(
                        "\(node.label) is a witness: it serves no application and cannot be fenced",
                        exitStatus: .badConfig)))
            return nil
        }
        plan.checks.append(.pass("node", "\(node.label) is registered as \(node.type.rawValue)"))
        let primaryNode: NodeRecord
        let primary: Catalog
        do {
            (primaryNode, primary) = try await ClusterConnector.primary(among: nodes)
        } catch {
            var failure = error
            failure.hint = "the fenced state is recorded on the primary; promote a standby or start the primary first"
            plan.checks.append(.fail("primary", failure))
            return nil
        }
        plan.checks.append(.pass("primary", "\(primaryNode.label) is reachable and records the fenced state"))
        let record = try await FenceTable.records(primary)[node.nodeID]
        let term = try await primary.votingTerm()
        var connection: PostgresConnection?
        var unreachableReason: String?
        if node.nodeID == primaryNode.nodeID {
            connection = primary.connection
        } else {
            do {
                connection = try await PostgresConnection.connect(try Conninfo(parsing: node.conninfo))
            } catch {
                unreachableReason = error.detail ?? error.message
            }
        }
        return FenceTarget(
            node: node, primaryNode: primaryNode, primary: primary, term: term, record: record, connection: connection,
            unreachableReason: unreachableReason)
    }

    /// The placeholder values for the node's fence or unfence command.
    func subject(reason: String) -> FenceSubject {
        FenceSubject(
            nodeID: node.nodeID, nodeName: node.nodeName, primaryNodeID: primaryNode.nodeID,
            primaryConninfo: primaryNode.conninfo, term: term, reason: reason)
    }

    /// A failed check when the connected user may not run ALTER SYSTEM (superuser only).
    static func superuserCheck(_ connection: PostgresConnection, node: NodeRecord) async throws(WardenError)
        -> PreflightCheck
    {
        let superuser =
            try await connection.query(
                "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user"
            ).first?.bool("rolsuper") ?? false
        if superuser {
            return .pass("privileges", "the user of \(node.nodeName)'s conninfo is a superuser (ALTER SYSTEM)")
        }
        return .fail(
            "privileges",
            WardenError(
                "the user of \(node.label)'s conninfo is not a superuser and cannot run ALTER SYSTEM",
                hint: "connect as a superuser, or configure fence_command / unfence_command", exitStatus: .dbQuery))
    }
}
