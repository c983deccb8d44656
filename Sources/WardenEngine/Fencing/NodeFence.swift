import Foundation

/// `node fence`: cuts a node off from applications and records it as fenced. With `fence_command`
/// set, that command runs here (placeholders as in ``FenceSubject``); otherwise `fence_mode` decides:
/// `read_only` makes the server refuse writes (kept across restarts) and terminates its client sessions,
/// `stop` stops it through its own server (no SSH). The state goes to `repmgr.pgwarden_fence` on the
/// primary and the `node_fence` event is recorded and notified.
///
/// An unreachable node is still fenced by its command and recorded. Fencing the primary is allowed
/// (maintenance) but stops every write in the cluster; the plan says so in a warning.
public struct NodeFence: Sendable {
    /// The configuration pgwarden runs with: its `fence_command` and `fence_mode`, its event
    /// notifications, and its node ID as the one that set the fence (nil: read_only, no command).
    public let configuration: NodeConfiguration?
    /// The node the metadata is read from first.
    public let entry: Conninfo
    /// The node to fence (nil: the configuration's node).
    public let nodeID: Int?
    /// Why, recorded with the state and passed to the command as `%d`.
    public let reason: String

    /// How long a stopped server may take to go down.
    static let stopTimeout: Duration = .seconds(90)

    public init(configuration: NodeConfiguration?, entry: Conninfo, nodeID: Int?, reason: String = "manual fence") {
        self.configuration = configuration
        self.entry = entry
        self.nodeID = nodeID
        self.reason = reason
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        let target: FenceTarget?
        let method: FenceMethod
        let command: FenceCommand?
        let stopCommands: ServiceCommands?
    }

    /// Finds the node, the primary and how the node will be fenced; changes nothing.
    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        var plan = OperationPlan(operation: "node fence")
        guard
            let target = try await FenceTarget.find(
                nodeID: nodeID, configuration: configuration, entry: entry, plan: &plan)
        else {
            return Prepared(plan: plan, target: nil, method: .recordOnly, command: nil, stopCommands: nil)
        }
        let node = target.node
        if let record = target.record, record.fenced {
            plan.checks.append(
                .warning(
                    "fenced state",
                    "\(node.label) is already fenced (\(record.method?.summary ?? "unknown mode")); fencing it again"))
        } else {
            plan.checks.append(.pass("fenced state", "\(node.label) is not fenced"))
        }
        if target.isPrimary {
            plan.checks.append(
                .warning(
                    "role",
                    "\(node.label) is the cluster's PRIMARY: fencing it stops ALL writes in the cluster until it is unfenced or another node is promoted"
                ))
        } else {
            plan.checks.append(
                .pass("role", "\(node.label) is not the primary (if it is promoted while fenced, it refuses writes)"))
        }
        if target.connection != nil {
            plan.checks.append(.pass("server", "\(node.label) is reachable"))
        } else {
            plan.checks.append(
                .warning(
                    "server",
                    "\(node.label) is unreachable (\(target.unreachableReason ?? "no connection")); its server cannot be changed now"
                ))
        }

        let method: FenceMethod
        var stopCommands: ServiceCommands?
        let command = FenceCommand(configuration: configuration, fence: true)
        if let command {
            method = .command
            let line = Conninfo.maskPasswords(in: command.commandLine(for: target.subject(reason: reason)))
            plan.checks.append(.pass("fence_command", "configured"))
            plan.actions.append("run fence_command: \(line)")
        } else if let connection = target.connection {
            switch configuration?.fenceMode ?? .readOnly {
            case .stop:
                method = .stop
                if await ServerHost(connection: connection).isAvailable() {
                    plan.checks.append(
                        .pass("control channel", "\(node.nodeName)'s server accepts pgwarden's server-side commands"))
                } else {
                    plan.checks.append(
                        .fail(
                            "control channel",
                            WardenError(
                                "the user of \(node.label)'s conninfo may not run server-side programs",
                                hint: "connect as a superuser or a member of pg_execute_server_program",
                                exitStatus: .dbQuery)))
                }
                let facts = try await NodeFacts.read(connection)
                let commands = ServiceCommands(
                    configuration: await RemoteNodeConfiguration.read(of: node, via: connection),
                    dataDirectory: facts.dataDirectory, fallbackBindir: ServiceCommands.serverBindirExpression)
                stopCommands = commands
                if target.isPrimary {
                    plan.actions.append("record \(node.label) as fenced (before its server stops)")
                }
                plan.actions.append("stop \(node.label) on its own host: \(commands.stop)")
            case .readOnly:
                method = .readOnly
                plan.checks.append(try await FenceTarget.superuserCheck(connection, node: node))
                plan.actions.append(
                    "set default_transaction_read_only = on on \(node.label) (ALTER SYSTEM, reload: kept across restarts)"
                )
                plan.actions.append("terminate every other client session on \(node.label)")
            }
        } else {
            method = .recordOnly
            plan.checks.append(
                .warning(
                    "fence method",
                    "no fence_command is configured and \(node.nodeName) is unreachable: the fence is only recorded"))
        }
        if !(method == .stop && target.isPrimary) {
            plan.actions.append("record \(node.label) as fenced on \(target.primaryNode.label)")
        }
        plan.actions.append("record event \"node_fence\"")
        return Prepared(plan: plan, target: target, method: method, command: command, stopCommands: stopCommands)
    }

    /// Fences the node, then records the state and the event (a primary stopped by the fence is
    /// recorded first, since its metadata goes away with it).
    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        guard let target = prepared.target else {
            throw WardenError("nothing to fence", exitStatus: .badConfig)
        }
        let node = target.node
        let subject = target.subject(reason: reason)
        let recorder = EventRecorder(report: report, configuration: configuration)
        let state = FenceRecord(
            nodeID: node.nodeID, fenced: true, method: prepared.method, reason: reason, changedBy: configuration?.nodeID
        )
        report(OperationMessage(.notice, "fencing \(node.label): \(prepared.method.summary)"))
        var outcome = prepared.method.summary
        do {
            switch prepared.method {
            case .command:
                try await prepared.command?.run(for: subject, report: report)
            case .readOnly:
                guard let connection = target.connection else { break }
                let terminated = try await ServerFence.makeReadOnly(connection)
                outcome += ", \(terminated) client session(s) terminated"
                report(
                    OperationMessage(.info, "\(node.nodeName) is read-only; \(terminated) client session(s) terminated")
                )
            case .stop:
                guard let connection = target.connection, let commands = prepared.stopCommands else { break }
                if target.isPrimary {
                    try await FenceTable.record(
                        state, node: node, details: details(node, outcome), on: target.primary, recorder: recorder,
                        primaryNode: target.primaryNode)
                }
                try await ServerFence.stop(connection, commands: commands)
                try await waitUntilDown(node)
                report(OperationMessage(.info, "\(node.nodeName)'s server has stopped"))
                if target.isPrimary {
                    report(fencedNotice(node, outcome))
                    return
                }
            case .recordOnly, .startsAsStandby:
                break
            }
        } catch {
            await recorder.record(
                "node_fence", nodeID: node.nodeID, successful: false,
                details: "unable to fence \(node.label): \(error.message)", in: target.primary,
                primaryNodeID: target.primaryNode.nodeID, primaryConninfo: target.primaryNode.conninfo,
                primaryName: target.primaryNode.nodeName)
            throw error
        }
        try await FenceTable.record(
            state, node: node, details: details(node, outcome), on: target.primary, recorder: recorder,
            primaryNode: target.primaryNode)
        report(fencedNotice(node, outcome))
    }

    private func details(_ node: NodeRecord, _ outcome: String) -> String {
        "node \"\(node.nodeName)\" (ID: \(node.nodeID)) fenced: \(outcome); reason: \(reason)"
    }

    private func fencedNotice(_ node: NodeRecord, _ outcome: String) -> OperationMessage {
        OperationMessage(
            .notice, "NODE FENCE successful", detail: details(node, outcome),
            hint: "undo with \"pgwarden node unfence --node-id=\(node.nodeID)\"")
    }

    /// Waits until the node's server no longer accepts connections.
    private func waitUntilDown(_ node: NodeRecord) async throws(WardenError) {
        let deadline = ContinuousClock.now + Self.stopTimeout
        while ContinuousClock.now < deadline {
            if await !NodeProber.probe(node.conninfo).reachable { return }
            try? await Task.sleep(for: .milliseconds(250))
        }
        throw WardenError(
            "\(node.label) still accepts connections \(Self.stopTimeout.components.seconds) s after its stop command",
            hint: "check the server log (pgwarden-server.log in its data directory)", exitStatus: .localCommand)
    }
}
