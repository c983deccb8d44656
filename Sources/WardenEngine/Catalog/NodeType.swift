/// The role a node is registered with in `repmgr.nodes.type`.
public enum NodeType: String, Sendable, Codable, CaseIterable {
    case primary
    case standby
    case witness
    case bdr
}
