/// What one other node reports when polled during an election (or while looking for a new
/// primary): whether it could be reached at all, its replication position, and what its daemon
/// sees. The driver builds one per polled node — from the peer daemon's
/// ``MonitorState/report(nodeID:settings:inRecovery:receivedLSN:now:)`` when it answers, or
/// ``unreachable(_:)`` when it does not.
public struct PeerView: Sendable, Equatable, Codable {
    /// The peer's node ID.
    public var nodeID: Int
    /// The peer's server answered: it counts as visible.
    public var reachable: Bool
    /// The peer's daemon answered; without it the node is visible but neither ranked nor asked
    /// whether it sees the primary (as repmgr skips nodes without repmgrd).
    public var daemonRunning: Bool
    /// The peer is a witness.
    public var isWitness: Bool
    /// false when the server runs as a primary; nil when unknown.
    public var inRecovery: Bool?
    /// Its last received LSN (standbys).
    public var receivedLSN: LSN?
    /// Its `priority`.
    public var priority: Int
    /// Its `location`.
    public var location: String
    /// Its `failover` setting; nil when its daemon did not answer.
    public var failover: NodeConfiguration.FailoverMode?
    /// The node its daemon monitors as upstream (nil on a primary).
    public var upstreamNodeID: Int?
    /// Whether its daemon currently sees that upstream (normal monitoring, last check succeeded).
    public var seesUpstream: Bool
    /// Milliseconds since its daemon last saw that upstream; nil if never.
    public var upstreamLastSeenAgo: Int64?
    /// The highest term its daemon knows; on a primary, the term it was promoted in.
    public var term: Int
    /// The primary of that term as its daemon knows it.
    public var primaryNodeID: Int?
    /// Its daemon is paused.
    public var isPaused: Bool
    /// Its daemon is in degraded monitoring (it cannot or may not act on its own).
    public var isDegraded: Bool
    /// Its server answered and holds no report at all: its daemon is not running and was stopped
    /// cleanly (which removes the report) or never ran, so it grants no vote before a lease after
    /// its start. nil (the daemon's own report) means false.
    public var reportMissing: Bool?

    /// A full report.
    public init(
        nodeID: Int, reachable: Bool, daemonRunning: Bool, isWitness: Bool, inRecovery: Bool?, receivedLSN: LSN?,
        priority: Int, location: String, failover: NodeConfiguration.FailoverMode?, upstreamNodeID: Int?,
        seesUpstream: Bool, upstreamLastSeenAgo: Int64?, term: Int, primaryNodeID: Int?, isPaused: Bool,
        isDegraded: Bool = false, reportMissing: Bool? = nil
    ) {
        self.reportMissing = reportMissing
        self.nodeID = nodeID
        self.reachable = reachable
        self.daemonRunning = daemonRunning
        self.isWitness = isWitness
        self.inRecovery = inRecovery
        self.receivedLSN = receivedLSN
        self.priority = priority
        self.location = location
        self.failover = failover
        self.upstreamNodeID = upstreamNodeID
        self.seesUpstream = seesUpstream
        self.upstreamLastSeenAgo = upstreamLastSeenAgo
        self.term = term
        self.primaryNodeID = primaryNodeID
        self.isPaused = isPaused
        self.isDegraded = isDegraded
    }

    /// The view of a registered node that could not be reached.
    public static func unreachable(_ record: NodeRecord) -> PeerView {
        PeerView(
            nodeID: record.nodeID, reachable: false, daemonRunning: false, isWitness: record.type == .witness,
            inRecovery: nil, receivedLSN: nil, priority: record.priority, location: record.location, failover: nil,
            upstreamNodeID: record.upstreamNodeID, seesUpstream: false, upstreamLastSeenAgo: nil, term: 0,
            primaryNodeID: nil, isPaused: false)
    }

    /// Whether the peer runs as a primary promoted in a term newer than `term`.
    func isPrimary(newerThan term: Int) -> Bool {
        reachable && !isWitness && inRecovery == false && self.term > term
    }

    /// The newest (term, primary) the peer knows of: itself when it runs as primary, otherwise
    /// the primary its daemon follows.
    var primaryClaim: (term: Int, nodeID: Int)? {
        guard reachable else { return nil }
        if !isWitness && inRecovery == false { return (term, nodeID) }
        guard daemonRunning, let primaryNodeID else { return nil }
        return (term, primaryNodeID)
    }
}
