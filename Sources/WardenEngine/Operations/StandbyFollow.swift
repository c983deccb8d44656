/// `standby follow`: re-points the running local standby at the current primary (or at
/// `--upstream-node-id`) by changing primary_conninfo and reloading, after checking that the
/// new upstream's timeline history contains this node's position.
public struct StandbyFollow: Sendable {
    public let configuration: NodeConfiguration
    public let upstreamNodeID: Int?
    public let wait: Bool

    public init(configuration: NodeConfiguration, upstreamNodeID: Int?, wait: Bool) {
        self.configuration = configuration
        self.upstreamNodeID = upstreamNodeID
        self.wait = wait
    }

    /// The checked state between planning and running.
    public struct Prepared: Sendable {
        public let plan: OperationPlan
        let local: PostgresConnection
        let me: NodeRecord
        let upstream: NodeRecord
        let upstreamConnection: PostgresConnection
        let primary: Catalog
    }

    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> Prepared {
        var plan = OperationPlan(operation: "standby follow")
        let local = try await PostgresConnection.connect(try Conninfo(parsing: configuration.conninfo))
        let facts = try await NodeFacts.read(local)
        guard facts.inRecovery else {
            throw WardenError(
                "this node is not a standby", hint: "\"standby follow\" re-points a running standby",
                exitStatus: .followFailed)
        }
        plan.checks.append(.pass("server role", "node is a running standby"))
        let nodes = try await Catalog(connection: local).nodes()
        let (primaryRecord, primary) = try await ClusterConnector.primary(among: nodes)
        let current = try await primary.nodes()
        guard let me = current.first(where: { $0.nodeID == configuration.nodeID }) else {
            throw WardenError(
                "node \(configuration.nodeID) is not registered",
                hint: "register it with \"pgwarden standby register\"",
                exitStatus: .followFailed)
        }
        let upstream: NodeRecord
        if let upstreamNodeID {
            guard let found = current.first(where: { $0.nodeID == upstreamNodeID }) else {
                throw WardenError(
                    "unable to find record for intended upstream node \(upstreamNodeID)", exitStatus: .followFailed)
            }
            guard found.nodeID != me.nodeID, found.type != .witness else {
                throw WardenError("\(found.label) cannot be this node's upstream", exitStatus: .followFailed)
            }
            upstream = found
        } else {
            upstream = primaryRecord
        }
        let upstreamConnection =
            upstream.nodeID == primaryRecord.nodeID
            ? primary.connection : try await PostgresConnection.connect(try Conninfo(parsing: upstream.conninfo))
        let upstreamFacts = try await NodeFacts.read(upstreamConnection)
        do {
            try await FollowSteps.checkTimeline(
                follower: facts, upstream: upstreamFacts, upstreamConnection: upstreamConnection,
                followerLabel: me.label, upstreamLabel: upstream.label)
            plan.checks.append(
                .pass("timeline", "\(upstream.label)'s history contains this node's position \(facts.position)"))
        } catch {
            plan.checks.append(.fail("timeline", error))
        }
        if me.slotName != nil && upstreamFacts.usedReplicationSlots >= upstreamFacts.maxReplicationSlots {
            plan.checks.append(
                .fail(
                    "replication slot",
                    WardenError(
                        "no free replication slot on \(upstream.label)", hint: "increase max_replication_slots",
                        exitStatus: .followFailed)))
        }
        plan.actions.append("set primary_conninfo to \(upstream.label) and reload the configuration")
        return Prepared(
            plan: plan, local: local, me: me, upstream: upstream, upstreamConnection: upstreamConnection,
            primary: primary)
    }

    public func run(_ prepared: Prepared, report: @escaping MessageSink) async throws(WardenError) {
        try prepared.plan.requireSuccess()
        report(OperationMessage(.notice, "attaching to upstream \(prepared.upstream.label)"))
        try await FollowSteps.repoint(
            follower: prepared.me, followerConnection: prepared.local, upstream: prepared.upstream,
            upstreamConnection: prepared.upstreamConnection)
        try await prepared.primary.connection.query(
            "UPDATE repmgr.nodes SET upstream_node_id = $2, active = true WHERE node_id = $1",
            [String(prepared.me.nodeID), String(prepared.upstream.nodeID)])
        let timeout: Duration = .seconds(
            max(wait ? configuration.primaryFollowTimeout : configuration.standbyFollowTimeout, 1))
        let streaming = await FollowSteps.waitUntilStreaming(
            follower: prepared.me, upstreamConnection: prepared.upstreamConnection, timeout: timeout)
        let details =
            "standby attached to upstream node \"\(prepared.upstream.nodeName)\" (ID: \(prepared.upstream.nodeID))"
        await EventRecorder(report: report, configuration: configuration).record(
            "standby_follow", nodeID: prepared.me.nodeID, successful: streaming, details: details, in: prepared.primary)
        guard streaming else {
            throw WardenError(
                "this node did not start streaming from \(prepared.upstream.label) within \(timeout.secondsText)",
                hint:
                    "check this node's PostgreSQL log; if its timeline diverged, use \"pgwarden node rejoin --force-rewind\"",
                exitStatus: .followFailed)
        }
        report(OperationMessage(.notice, "STANDBY FOLLOW successful", detail: details))
    }
}
