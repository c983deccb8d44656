/// What the failover monitor knows besides its own state, handed in again with every step: who
/// this node is, its settings, the cluster's node records (`repmgr.nodes` as last read) and the
/// voting term read from `repmgr.voting_term`. The driver refreshes the records whenever it
/// re-reads the metadata; the monitor never writes them itself. The term only seeds
/// ``FailoverMonitor/start(context:now:runsAsPrimary:upstreamNodeID:vote:paused:)``: afterwards the monitor learns newer terms
/// from announcements, polls and votes, which always name the primary of the term too.
public struct MonitorContext: Sendable, Equatable {
    /// This node's `node_id`.
    public var nodeID: Int
    /// This node's settings.
    public var settings: FailoverSettings
    /// Every registered node, this one included.
    public var nodes: [NodeRecord]
    /// `repmgr.voting_term` when the daemon started (1 after `primary register`).
    public var term: Int

    /// A context for node `nodeID`.
    public init(nodeID: Int, settings: FailoverSettings, nodes: [NodeRecord], term: Int) {
        self.nodeID = nodeID
        self.settings = settings
        self.nodes = nodes
        self.term = term
    }

    /// The record of node `id`, if registered.
    public func node(_ id: Int) -> NodeRecord? {
        nodes.first { $0.nodeID == id }
    }

    /// This node's own record, if registered.
    public var localNode: NodeRecord? { node(nodeID) }

    /// The active node registered as primary, if any.
    public var registeredPrimary: NodeRecord? {
        nodes.first { $0.type == .primary && $0.active }
    }

    /// `node "node2" (ID: 2)`, or `node 2` when the node is not registered.
    func label(_ id: Int) -> String {
        node(id)?.label ?? "node \(id)"
    }

    /// Every other registered node, inactive ones included (a failed primary that came back is
    /// one): the ones to poll, and the ones to tell about a new primary.
    var otherNodeIDs: [Int] {
        nodes.filter { $0.nodeID != nodeID && $0.type != .bdr }.map(\.nodeID)
    }
}
