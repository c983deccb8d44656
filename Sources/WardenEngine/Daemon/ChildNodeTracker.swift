/// The primary daemon's child-node monitoring (repmgr 4.4+): compares the registered
/// downstream nodes with those attached in `pg_stat_replication` (by application_name) and
/// yields repmgr's `child_node_disconnect` / `child_node_reconnect` / `child_node_new_connect`
/// events, and when too few children stay connected for `child_nodes_disconnect_timeout`,
/// the one-time trigger for `child_nodes_disconnect_command`. Pure: the driver feeds it.
public struct ChildNodeTracker: Sendable {
    /// One event to record.
    public struct Event: Sendable, Equatable {
        public var name: String
        public var nodeID: Int
        public var details: String
    }

    public let includeWitness: Bool
    /// Fewer connected children than this triggers the disconnect command (-1: all must be gone).
    public let minimumConnected: Int
    public let disconnectTimeout: Double
    private var attached: [Int: Bool] = [:]
    private var disconnectedSince: [Int: Double] = [:]
    private var belowMinimumSince: Double?
    private var commandFired = false

    public init(includeWitness: Bool, minimumConnected: Int, disconnectTimeout: Double) {
        self.includeWitness = includeWitness
        self.minimumConnected = minimumConnected
        self.disconnectTimeout = disconnectTimeout
    }

    /// Feeds one observation at `now` (seconds); returns the events, and whether the
    /// disconnect command should run now.
    public mutating func observe(children: [NodeRecord], attachedNames: Set<String>, now: Double)
        -> (events: [Event], runDisconnectCommand: Bool)
    {
        var events: [Event] = []
        let relevant = children.filter { $0.active && ($0.type == .standby || ($0.type == .witness && includeWitness)) }
        var connectedCount = 0
        for child in relevant {
            let isAttached = attachedNames.contains(child.nodeName)
            if isAttached { connectedCount += 1 }
            let kind = child.type == .witness ? "witness" : "standby"
            switch (attached[child.nodeID], isAttached) {
            case (nil, true):
                events.append(
                    Event(
                        name: "child_node_new_connect", nodeID: child.nodeID,
                        details: "new \(kind) \"\(child.nodeName)\" (ID: \(child.nodeID)) has connected"))
            case (true, false):
                disconnectedSince[child.nodeID] = now
                events.append(
                    Event(
                        name: "child_node_disconnect", nodeID: child.nodeID,
                        details: "\(kind) node \"\(child.nodeName)\" (ID: \(child.nodeID)) has disconnected"))
            case (false, true):
                let seconds = Int(now - (disconnectedSince[child.nodeID] ?? now))
                disconnectedSince[child.nodeID] = nil
                events.append(
                    Event(
                        name: "child_node_reconnect", nodeID: child.nodeID,
                        details:
                            "\(kind) node \"\(child.nodeName)\" (ID: \(child.nodeID)) has reconnected after \(seconds) seconds"
                    ))
            default:
                break
            }
            attached[child.nodeID] = isAttached
        }
        let required = minimumConnected >= 0 ? minimumConnected : 1
        guard !relevant.isEmpty, connectedCount < required else {
            belowMinimumSince = nil
            commandFired = false
            return (events, false)
        }
        let since = belowMinimumSince ?? now
        belowMinimumSince = since
        if !commandFired && now - since >= disconnectTimeout {
            commandFired = true
            return (events, true)
        }
        return (events, false)
    }
}
