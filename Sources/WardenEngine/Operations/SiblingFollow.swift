/// Re-points one sibling standby at a new upstream after a promotion or switchover, through
/// the sibling's own server (no SSH), then updates its record. Failures are reported, not
/// thrown: a sibling that cannot follow must not undo the promotion that already happened.
enum SiblingFollow {
    static func move(
        _ sibling: NodeRecord, to upstream: NodeRecord, upstreamCatalog: Catalog, configuration: NodeConfiguration,
        report: @escaping MessageSink
    ) async {
        do {
            let connection = try await PostgresConnection.connect(try Conninfo(parsing: sibling.conninfo))
            try await FollowSteps.repoint(
                follower: sibling, followerConnection: connection, upstream: upstream,
                upstreamConnection: upstreamCatalog.connection)
            try await upstreamCatalog.connection.query(
                "UPDATE repmgr.nodes SET upstream_node_id = $2, active = true WHERE node_id = $1",
                [String(sibling.nodeID), String(upstream.nodeID)])
            let streaming = await FollowSteps.waitUntilStreaming(
                follower: sibling, upstreamConnection: upstreamCatalog.connection,
                timeout: .seconds(max(configuration.standbyFollowTimeout, 1)))
            await EventRecorder(report: report, configuration: configuration).record(
                "standby_follow", nodeID: sibling.nodeID, successful: streaming,
                details: "standby attached to upstream node \"\(upstream.nodeName)\" (ID: \(upstream.nodeID))",
                in: upstreamCatalog)
            if streaming {
                report(OperationMessage(.notice, "\(sibling.label) now follows \(upstream.label)"))
            } else {
                report(OperationMessage(.warning, "\(sibling.label) was re-pointed but is not streaming yet"))
            }
        } catch {
            report(
                OperationMessage(
                    .warning, "unable to re-point sibling \(sibling.label): \(error.message)",
                    hint: "run \"pgwarden standby follow\" on \(sibling.label)"))
        }
    }
}
