/// `standby promote`: promotes the local standby when the cluster has no running primary,
/// updates the metadata (this node primary, the old primary inactive, voting term + 1),
/// records `standby_promote`, and optionally re-points the sibling standbys.
public struct StandbyPromotion: Sendable {
    public let configuration: NodeConfiguration
    public let siblingsFollow: Bool
    public let force: Bool

    public init(configuration: NodeConfiguration, siblingsFollow: Bool, force: Bool) {
        self.configuration = configuration
        self.siblingsFollow = siblingsFollow
        self.force = force
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        let local: PostgresConnection
        let nodes: [NodeRecord]
        let oldPrimary: NodeRecord?
    }

    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        var plan = OperationPlan(operation: "standby promote")
        let local = try await PostgresConnection.connect(try Conninfo(parsing: configuration.conninfo))
        let facts = try await NodeFacts.read(local)
        guard facts.inRecovery else {
            throw WardenError("STANDBY PROMOTE can only be executed on a standby node", exitStatus: .promotionFailed)
        }
        plan.checks.append(.pass("server role", "node is a standby"))
        let catalog = Catalog(connection: local)
        let nodes = try await catalog.nodes()
        guard nodes.contains(where: { $0.nodeID == configuration.nodeID }) else {
            throw WardenError(
                "node \(configuration.nodeID) is not registered",
                hint: "register it with \"pgwarden standby register\"",
                exitStatus: .badConfig)
        }
        let observations = await NodeProber.probeAll(
            nodes.filter { $0.nodeID != configuration.nodeID && $0.type != .witness })
        if let running = nodes.first(where: { observations[$0.nodeID]?.inRecovery == false }) {
            plan.checks.append(
                .fail(
                    "existing primary",
                    WardenError(
                        "this replication cluster already has an active primary server: \(running.label) is running as primary",
                        hint: "use \"pgwarden standby switchover\" to change the primary of a healthy cluster",
                        exitStatus: .promotionFailed)))
        } else {
            plan.checks.append(.pass("existing primary", "no node is running as primary"))
        }
        plan.checks.append(
            FencedCandidateCheck.check(facts, label: "this node", exitStatus: .promotionFailed))
        if facts.replayPaused {
            plan.checks.append(
                .fail(
                    "WAL replay",
                    WardenError(
                        "WAL replay is paused on this node", hint: "resume replay with pg_wal_replay_resume() first",
                        exitStatus: .promotionFailed)))
        } else {
            plan.checks.append(.pass("WAL replay", "not paused"))
        }
        let oldPrimary = nodes.first { $0.type == .primary && $0.active }
        plan.actions.append("promote \(configuration.nodeName) with pg_promote() and update the metadata")
        if let poolers = PoolerFencing(configuration: configuration, report: report).summary {
            plan.actions.append("repoint \(poolers) to this node")
        }
        if siblingsFollow {
            for sibling in siblings(in: nodes, oldPrimary: oldPrimary) {
                plan.actions.append("re-point sibling \(sibling.label) to this node")
            }
        }
        return Prepared(plan: plan, local: local, nodes: nodes, oldPrimary: oldPrimary)
    }

    func siblings(in nodes: [NodeRecord], oldPrimary: NodeRecord?) -> [NodeRecord] {
        nodes.filter {
            $0.type == .standby && $0.active && $0.nodeID != configuration.nodeID
                && ($0.upstreamNodeID == oldPrimary?.nodeID || $0.upstreamNodeID == nil)
        }
    }

    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        report(OperationMessage(.notice, "promoting standby to primary"))
        let took = try await PromotionSteps.promote(
            prepared.local, timeout: .seconds(max(configuration.promoteCheckTimeout, 1)))
        report(OperationMessage(.info, "node left recovery after \(took.secondsText)"))
        let catalog = Catalog(connection: prepared.local)
        let term = try await PromotionSteps.recordPromotion(of: configuration.nodeID, in: catalog)
        var details =
            "server \"\(configuration.nodeName)\" (ID: \(configuration.nodeID)) was successfully promoted to primary"
        if let conninfo = configuration.parsedConninfo,
            let poolers = PoolerFencing.summary(
                of: await PoolerFencing(configuration: configuration, report: report).repoint(
                    to: conninfo, nodeID: configuration.nodeID, catalog: catalog))
        {
            details += "; \(poolers)"
        }
        await EventRecorder(report: report, configuration: configuration).record(
            "standby_promote", nodeID: configuration.nodeID, details: details, in: catalog)
        report(
            OperationMessage(
                .notice,
                "STANDBY PROMOTE successful",
                detail:
                    "server \"\(configuration.nodeName)\" (ID: \(configuration.nodeID)) was successfully promoted to primary (voting term \(term))"
            ))
        if siblingsFollow, let me = try await catalog.node(id: configuration.nodeID) {
            for sibling in siblings(in: prepared.nodes, oldPrimary: prepared.oldPrimary) {
                await SiblingFollow.move(
                    sibling, to: me, upstreamCatalog: catalog, configuration: configuration, report: report)
            }
        }
    }
}
