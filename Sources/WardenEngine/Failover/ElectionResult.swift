/// The outcome of one node's election after it lost its primary, with repmgr's five results
/// (WON, LOST, NOT CANDIDATE, CANCELLED, RERUN) and, for each, the rule that produced it.
public enum ElectionResult: Sendable, Equatable, Codable {
    /// This node ranks first among the visible candidates: it asks for votes and promotes.
    case won
    /// Another node ranks first (or holds this node's vote); this node waits for it and follows.
    case lost(winner: Int)
    /// This node may not be promoted; `expectedWinner` is the best candidate it can see, if any.
    case notCandidate(NotCandidateReason, expectedWinner: Int?)
    /// No promotion now; the node monitors in degraded mode and tries again later.
    case cancelled(CancelReason)
    /// The winner's `failover_validation_command` failed: the election runs again.
    case rerun

    /// Why a node is not a promotion candidate.
    public enum NotCandidateReason: Sendable, Equatable, Codable {
        /// `failover=manual`: never promotes, never follows on its own.
        case manualFailover
        /// `priority=0`.
        case priorityZero
        /// A witness votes but is never promoted.
        case witness
        /// The local server's received LSN could not be read.
        case localStateUnknown
        /// This node already voted for `candidate` in `term` and waits for it (for itself: a
        /// promotion asked for before the daemon restarted may still be under way).
        case votedFor(candidate: Int, term: Int)
    }

    /// Why an election was called off.
    public enum CancelReason: Sendable, Equatable, Codable {
        /// The daemon is paused (`daemon pause`).
        case paused
        /// Another node already is primary in a newer term: follow it instead.
        case newPrimaryFound(nodeID: Int, term: Int)
        /// No visible node is in the failed primary's location: assume a network split.
        case primaryLocationNotVisible(location: String)
        /// These nodes still see the primary and `primary_visibility_consensus` is on.
        case primaryStillVisible(nodeIDs: [Int])
        /// Too few of the nodes sharing the upstream are visible.
        case noMajority(visible: Int, total: Int)
        /// Too few voters granted their vote for the term.
        case noQuorum(granted: Int, voters: Int)
        /// The primary answered again while the election ran.
        case primaryReappeared
        /// This node's lease grant to `holderID` (nil: the one it holds after a start) of `term`
        /// still binds: it elects again when the grant has expired.
        case leaseBinding(holderID: Int?, term: Int)
    }

    /// The name repmgr logs for this result.
    public var repmgrName: String {
        switch self {
        case .won: "WON"
        case .lost: "LOST"
        case .notCandidate: "NOT CANDIDATE"
        case .cancelled: "CANCELLED"
        case .rerun: "RERUN"
        }
    }
}
