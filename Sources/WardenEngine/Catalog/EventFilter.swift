/// Which events `cluster events` lists: newest first, at most `limit` unless `limit` is nil.
public struct EventFilter: Sendable, Equatable {
    public var limit: Int?
    public var nodeID: Int?
    public var nodeName: String?
    public var event: String?

    public init(limit: Int? = 20, nodeID: Int? = nil, nodeName: String? = nil, event: String? = nil) {
        self.limit = limit
        self.nodeID = nodeID
        self.nodeName = nodeName
        self.event = event
    }
}
