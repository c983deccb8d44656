/// Why a daemon is in degraded monitoring: it keeps checking, but cannot (or may not) act now.
public enum DegradedReason: Sendable, Equatable, Codable {
    /// The upstream is lost and the daemon is paused: no failover until `daemon unpause`.
    case paused
    /// The upstream is lost and `failover=manual`: an operator has to act.
    case manualFailover
    /// The local PostgreSQL server does not answer.
    case localNodeDown
    /// The election was called off.
    case electionCancelled(ElectionResult.CancelReason)
    /// `failover_validation_command` refused the promotion.
    case validationFailed
    /// Promoting the local node failed.
    case promotionFailed
    /// Following `target` failed.
    case followFailed(target: Int)
    /// Rejoining `target` as a standby failed (superseded primary).
    case rejoinFailed(target: Int)
    /// No new primary announced itself within `primary_notification_timeout`.
    case noNewPrimary
    /// The candidate this node voted for gave up.
    case candidateWithdrew(nodeID: Int)
    /// This primary could not renew its lease (`granted` of `voters` voters still bound) and
    /// stopped its server; it waits to learn of a new primary, or for a majority to grant it again.
    case leaseLost(granted: Int, voters: Int)
    /// This primary was replaced by `newPrimary`, promoted in `term`: it is fenced until it rejoins.
    case superseded(newPrimary: Int, term: Int)

    /// Whether the daemon runs the failover decision again by itself after `election_rerun_interval`.
    public var retriesElection: Bool {
        switch self {
        case .paused, .manualFailover, .localNodeDown, .superseded, .leaseLost: false
        case .electionCancelled, .validationFailed, .promotionFailed, .followFailed, .rejoinFailed, .noNewPrimary,
            .candidateWithdrew:
            true
        }
    }
}
