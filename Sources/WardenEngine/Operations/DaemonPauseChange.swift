/// `daemon pause` / `daemon unpause`: sets the pause flag of every registered node's failover
/// daemon in `repmgr.pgwarden_daemon` on the primary (so it replicates to every node and is kept
/// across restarts). A paused daemon keeps monitoring but never fails over. The CLI commands and
/// the dashboard's `P` key both run it.
public struct DaemonPauseChange: Sendable {
    /// True to pause the daemons, false to unpause them.
    public let pause: Bool
    /// The node the metadata is read from first (the primary is found through it).
    public let conninfo: Conninfo

    public init(pause: Bool, via conninfo: Conninfo) {
        self.pause = pause
        self.conninfo = conninfo
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        /// The primary, nil when it could not be reached (the plan then has a failed check).
        let primary: Catalog?
    }

    var verb: String { pause ? "pause" : "unpause" }
    var participle: String { pause ? "paused" : "unpaused" }

    /// Connects through `conninfo`, finds the primary and lists every node with its current
    /// pause flag; changes nothing.
    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        var plan = OperationPlan(operation: "daemon \(verb)")
        let entry = try await ClusterConnector.connectWithMetadata(conninfo)
        let registered = try await entry.nodes()
        let primaryNode: NodeRecord
        let primary: Catalog
        do {
            (primaryNode, primary) = try await ClusterConnector.primary(among: registered)
        } catch {
            plan.checks.append(.fail("primary", error))
            return Prepared(plan: plan, primary: nil)
        }
        plan.checks.append(.pass("primary", "\(primaryNode.nodeName) is reachable and not in recovery"))
        let nodes = try await primary.nodes()
        let rows = try await DaemonStatusTable.rows(primary)
        for node in nodes {
            plan.checks.append(Self.check(node, row: rows[node.nodeID], pause: pause))
        }
        let count = nodes.count == 1 ? "the daemon of 1 node" : "the daemons of \(nodes.count) nodes"
        let names = nodes.map(\.nodeName).joined(separator: ", ")
        plan.actions.append("\(verb) \(count)\(names.isEmpty ? "" : ": \(names)")")
        return Prepared(plan: plan, primary: primary)
    }

    /// One node's current flag: a warning when it already is as asked.
    static func check(_ node: NodeRecord, row: DaemonStatusTable.Row?, pause: Bool) -> PreflightCheck {
        let paused = row?.paused ?? false
        let name = "node \(node.nodeID) (\(node.nodeName))"
        if paused == pause {
            return .warning(name, "\(node.nodeName) is already \(pause ? "paused" : "unpaused")")
        }
        let daemon: String
        switch row {
        case .none: daemon = "no daemon has reported"
        case .some(let row) where row.pid == nil: daemon = "daemon not running"
        case .some(let row): daemon = "daemon running (PID \(row.pid.map(String.init) ?? "?"))"
        }
        return .pass(name, "\(paused ? "paused" : "not paused"), \(daemon)")
    }

    /// Sets the flag on the primary and reports one NOTICE per node.
    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        guard let primary = prepared.primary else {
            throw WardenError("unable to connect to the primary node", exitStatus: .repmgrdPause)
        }
        let nodes: [NodeRecord]
        do {
            nodes = try await DaemonStatusTable.setPaused(pause, on: primary)
        } catch {
            throw WardenError(error.message, detail: error.detail, hint: error.hint, exitStatus: .repmgrdPause)
        }
        for node in nodes {
            report(OperationMessage(.notice, "node \(node.nodeID) (\(node.nodeName)) \(participle)"))
        }
    }
}
