/// One row of `repmgr.nodes`: what the cluster's metadata says about a node.
public struct NodeRecord: Sendable, Equatable, Codable {
    public var nodeID: Int
    public var upstreamNodeID: Int?
    public var active: Bool
    public var nodeName: String
    public var type: NodeType
    public var location: String
    public var priority: Int
    public var conninfo: String
    public var replicationUser: String
    public var slotName: String?
    public var configFile: String

    public init(
        nodeID: Int, upstreamNodeID: Int?, active: Bool = true, nodeName: String, type: NodeType,
        location: String = "default", priority: Int = 100, conninfo: String, replicationUser: String,
        slotName: String? = nil, configFile: String
    ) {
        self.nodeID = nodeID
        self.upstreamNodeID = upstreamNodeID
        self.active = active
        self.nodeName = nodeName
        self.type = type
        self.location = location
        self.priority = priority
        self.conninfo = conninfo
        self.replicationUser = replicationUser
        self.slotName = slotName
        self.configFile = configFile
    }

    /// `node "node2" (ID: 2)`, the way repmgr names a node in its messages.
    public var label: String { "node \"\(nodeName)\" (ID: \(nodeID))" }

    /// The default slot name repmgr gives a node: `repmgr_slot_<id>`.
    public static func defaultSlotName(nodeID: Int) -> String { "repmgr_slot_\(nodeID)" }
}
