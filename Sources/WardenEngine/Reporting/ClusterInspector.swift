/// The read-only views of a cluster: `cluster show` and `cluster events`.
public enum ClusterInspector {
    /// Reads the node list through `conninfo`, probes every node at once and builds the report.
    public static func show(via conninfo: Conninfo) async throws(WardenError) -> ClusterShowReport {
        let catalog = try await ClusterConnector.connectWithMetadata(conninfo, readOnly: true)
        let nodes = try await catalog.nodes()
        let fences = try await FenceTable.records(catalog)
        let observations = await NodeProber.probeAll(nodes, readOnly: true)
        var report = ClusterShowReport(nodes: nodes, observations: observations, fences: fences)
        report.daemons = (try? await DaemonStatusTable.rows(catalog)) ?? [:]
        return report
    }

    /// Lists events newest first; an unknown `--node-id` is an error, as in repmgr.
    public static func events(via conninfo: Conninfo, filter: EventFilter) async throws(WardenError) -> [EventRecord] {
        let catalog = try await ClusterConnector.connectWithMetadata(conninfo, readOnly: true)
        if let nodeID = filter.nodeID, try await catalog.node(id: nodeID) == nil {
            throw WardenError("node \(nodeID) (specified with --node-id) not found", exitStatus: .badConfig)
        }
        return try await catalog.events(filter)
    }
}
