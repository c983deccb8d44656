/// The values of `failover_validation_command`'s placeholders for the winning candidate.
public struct ValidationFacts: Sendable, Equatable, Codable {
    /// `%n`: the candidate's node ID.
    public var nodeID: Int
    /// `%a`: the candidate's node name.
    public var nodeName: String
    /// `%v`: visible nodes (the candidate included).
    public var visibleNodes: Int
    /// `%u`: nodes sharing the failed upstream (the candidate included).
    public var sharedUpstreamNodes: Int
    /// `%t`: all registered nodes.
    public var totalNodes: Int

    /// The placeholders' values.
    public init(nodeID: Int, nodeName: String, visibleNodes: Int, sharedUpstreamNodes: Int, totalNodes: Int) {
        self.nodeID = nodeID
        self.nodeName = nodeName
        self.visibleNodes = visibleNodes
        self.sharedUpstreamNodes = sharedUpstreamNodes
        self.totalNodes = totalNodes
    }
}
