/// `standby unregister`: deletes a standby's node record on the primary. Replication itself is
/// not touched; the node may even be down (name it with `--node-id`).
public struct StandbyUnregistration: Sendable {
    public let nodeID: Int

    public init(nodeID: Int) {
        self.nodeID = nodeID
    }

    /// `sources` are tried in order until one answers (the local node may be the one that is down).
    public func run(via sources: [Conninfo], report: @escaping MessageSink) async throws(WardenError) {
        var lastError: WardenError?
        var metadata: Catalog?
        for source in sources {
            do {
                metadata = try await ClusterConnector.connectWithMetadata(source)
                break
            } catch {
                lastError = error
            }
        }
        guard let metadata else {
            throw lastError ?? WardenError("no node to connect to", exitStatus: .dbConnection)
        }
        let nodes = try await metadata.nodes()
        guard let target = nodes.first(where: { $0.nodeID == nodeID }) else {
            throw WardenError("node \(nodeID) (specified with --node-id) not found", exitStatus: .badConfig)
        }
        guard target.type == .standby else {
            throw WardenError(
                "\(target.label) is not a standby (registered as \(target.type.rawValue))",
                hint: "use \"pgwarden \(target.type.rawValue) unregister\"", exitStatus: .badConfig)
        }
        if let child = nodes.first(where: { $0.upstreamNodeID == nodeID }) {
            throw WardenError(
                "\(target.label) is the upstream of \(child.label)",
                hint: "re-point or unregister its downstream nodes first", exitStatus: .badConfig)
        }
        let (_, primary) = try await ClusterConnector.primary(among: nodes)
        try await primary.deleteNode(id: nodeID)
        await EventRecorder(report: report).record(
            "standby_unregister", nodeID: nodeID, details: "standby node \(nodeID) unregistered", in: primary)
        report(OperationMessage(.info, "standby unregistration complete"))
    }
}
