/// `node unfence`: undoes ``NodeFence`` and records the node as unfenced (`node_unfence`). A node
/// fenced by its command runs `unfence_command`; a read-only node gets
/// `ALTER SYSTEM RESET default_transaction_read_only` and a reload (also when only its daemon had
/// made it read-only, with no record); a stopped node is only marked unfenced, with a hint to start it.
public struct NodeUnfence: Sendable {
    /// The configuration pgwarden runs with: its `unfence_command`, its event notifications, and its
    /// node ID as the one that lifted the fence.
    public let configuration: NodeConfiguration?
    /// The node the metadata is read from first.
    public let entry: Conninfo
    /// The node to unfence (nil: the configuration's node).
    public let nodeID: Int?
    /// Why, recorded with the state and passed to the command as `%d`.
    public let reason: String

    public init(configuration: NodeConfiguration?, entry: Conninfo, nodeID: Int?, reason: String = "manual unfence") {
        self.configuration = configuration
        self.entry = entry
        self.nodeID = nodeID
        self.reason = reason
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        let target: FenceTarget?
        /// Run `unfence_command`.
        let command: FenceCommand?
        /// Reset the server's read-only setting.
        let liftReadOnly: Bool
        /// Nothing is fenced: the run changes nothing.
        let nothingToDo: Bool
    }

    /// Finds the node and what its fence needs undone; changes nothing.
    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        var plan = OperationPlan(operation: "node unfence")
        guard
            let target = try await FenceTarget.find(
                nodeID: nodeID, configuration: configuration, entry: entry, plan: &plan)
        else {
            return Prepared(plan: plan, target: nil, command: nil, liftReadOnly: false, nothingToDo: true)
        }
        let node = target.node
        let recorded = target.record?.fenced == true ? target.record : nil
        var serverReadOnly = false
        if let connection = target.connection {
            serverReadOnly = try await ServerFence.isReadOnly(connection)
        }
        if let recorded {
            plan.checks.append(
                .pass("fenced state", "\(node.label) is fenced (\(recorded.method?.summary ?? "unknown mode"))"))
        } else if serverReadOnly {
            plan.checks.append(
                .warning(
                    "fenced state",
                    "\(node.label) is not recorded as fenced, but its server has default_transaction_read_only = on"))
        } else {
            plan.checks.append(.warning("fenced state", "\(node.label) is not fenced: nothing to do"))
            return Prepared(plan: plan, target: target, command: nil, liftReadOnly: false, nothingToDo: true)
        }

        var command: FenceCommand?
        if recorded?.method == .command {
            command = FenceCommand(configuration: configuration, fence: false)
            if let command {
                let line = Conninfo.maskPasswords(in: command.commandLine(for: target.subject(reason: reason)))
                plan.actions.append("run unfence_command: \(line)")
            } else {
                plan.checks.append(
                    .warning("unfence_command", "no unfence_command is configured: only the fenced state is cleared"))
            }
        }
        if let connection = target.connection {
            plan.checks.append(.pass("server", "\(node.label) is reachable"))
            if serverReadOnly {
                plan.checks.append(try await FenceTarget.superuserCheck(connection, node: node))
                plan.actions.append(
                    "reset default_transaction_read_only on \(node.label) (ALTER SYSTEM RESET, reload)")
            }
        } else if recorded?.method == .readOnly {
            plan.checks.append(
                .fail(
                    "server",
                    WardenError(
                        "\(node.label) is unreachable: its read-only setting cannot be removed",
                        detail: target.unreachableReason,
                        hint: "start its server, then run \"pgwarden node unfence\" again", exitStatus: .dbConnection)))
        } else {
            plan.checks.append(
                .warning("server", "\(node.label) is unreachable; it will be marked unfenced only"))
        }
        plan.actions.append("record \(node.label) as unfenced on \(target.primaryNode.label)")
        plan.actions.append("record event \"node_unfence\"")
        return Prepared(
            plan: plan, target: target, command: command, liftReadOnly: serverReadOnly, nothingToDo: false)
    }

    /// Undoes the fence, then records the state and the event.
    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        guard let target = prepared.target, !prepared.nothingToDo else { return }
        let node = target.node
        let recorder = EventRecorder(report: report, configuration: configuration)
        var undone: [String] = []
        do {
            if let command = prepared.command {
                try await command.run(for: target.subject(reason: reason), report: report)
                undone.append("unfence_command ran")
            }
            if prepared.liftReadOnly, let connection = target.connection {
                try await ServerFence.lift(connection)
                undone.append("default_transaction_read_only reset")
                report(OperationMessage(.info, "\(node.nodeName) accepts writes again"))
            }
        } catch {
            await recorder.record(
                "node_unfence", nodeID: node.nodeID, successful: false,
                details: "unable to unfence \(node.label): \(error.message)", in: target.primary,
                primaryNodeID: target.primaryNode.nodeID, primaryConninfo: target.primaryNode.conninfo,
                primaryName: target.primaryNode.nodeName)
            throw error
        }
        let details =
            "node \"\(node.nodeName)\" (ID: \(node.nodeID)) unfenced"
            + (undone.isEmpty ? "" : ": \(undone.joined(separator: ", "))") + "; reason: \(reason)"
        try await FenceTable.record(
            FenceRecord(
                nodeID: node.nodeID, fenced: false, method: target.record?.method, reason: reason,
                changedBy: configuration?.nodeID),
            node: node, details: details, on: target.primary, recorder: recorder, primaryNode: target.primaryNode)
        let stopped = target.connection == nil && target.record?.method == .stop
        report(
            OperationMessage(
                .notice, "NODE UNFENCE successful", detail: details,
                hint: stopped
                    ? "its server is still stopped: start it with \"pgwarden node service --action=start\" on its host"
                    : nil))
    }
}
