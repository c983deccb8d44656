/// The node a fence or unfence is about, with what `fence_command` / `unfence_command` may
/// refer to: `%n` its node ID, `%a` its name, `%p` the current (or new) primary's node ID, `%c`
/// that primary's conninfo, `%t` the voting term, `%e` the event (`node_fence` / `node_unfence`),
/// `%d` the reason, `%s` 1.
public struct FenceSubject: Sendable, Equatable {
    /// The fenced node's ID.
    public var nodeID: Int
    /// The fenced node's name.
    public var nodeName: String
    /// The primary the cluster has (the new one after a failover), when known.
    public var primaryNodeID: Int?
    /// That primary's conninfo, when known.
    public var primaryConninfo: String?
    /// The cluster's voting term, when known.
    public var term: Int?
    /// Why the node is fenced or unfenced.
    public var reason: String

    /// Describes the node and the cluster around it.
    public init(
        nodeID: Int, nodeName: String, primaryNodeID: Int?, primaryConninfo: String? = nil, term: Int?,
        reason: String
    ) {
        self.nodeID = nodeID
        self.nodeName = nodeName
        self.primaryNodeID = primaryNodeID
        self.primaryConninfo = primaryConninfo
        self.term = term
        self.reason = reason
    }

    /// The placeholder values for `event` (`node_fence` or `node_unfence`).
    public func placeholderValues(event: String) -> [Character: String] {
        [
            "n": String(nodeID), "a": nodeName, "p": primaryNodeID.map(String.init) ?? "",
            "c": primaryConninfo ?? "", "t": term.map(String.init) ?? "", "e": event, "d": reason, "s": "1",
        ]
    }
}
