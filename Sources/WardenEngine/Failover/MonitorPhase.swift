/// Where a daemon is in monitoring and failover; each case carries the facts and deadlines the
/// next transition depends on. ``MonitorState`` holds the phase together with what lasts across
/// phases (role, upstream, term, vote, pause).
public enum MonitorPhase: Sendable, Equatable, Codable {
    /// Normal monitoring: the primary checks itself, a standby or witness checks its upstream.
    case monitoring
    /// The upstream failed a check at `since`; `attempts` checks have failed so far and the next
    /// one is due at `nextAttempt` (`reconnect_attempts` / `reconnect_interval`).
    case upstreamLost(since: MonitorInstant, attempts: Int, nextAttempt: MonitorInstant)
    /// The local server failed a check at `since`, retried like a lost upstream.
    case localNodeLost(since: MonitorInstant, attempts: Int, nextAttempt: MonitorInstant)
    /// The loss of `failedPrimary` is confirmed; the daemon asked its peers what they see.
    case electing(failedPrimary: Int, since: MonitorInstant)
    /// This node won the ranking and asks the voters for the next term.
    case requestingVotes(Candidacy)
    /// This node won the vote and runs `failover_validation_command`.
    case validating(Candidacy)
    /// This node promotes itself in the candidacy's term.
    case promoting(Candidacy)
    /// Waiting for a new primary to announce itself; `expected` is the node thought to win.
    case waitingForNewPrimary(expected: Int?, since: MonitorInstant)
    /// Attaching to `target`, the primary of `term`.
    case following(target: Int, term: Int)
    /// This superseded primary rejoins `target`, the primary of `term`, as a standby.
    case rejoining(target: Int, term: Int)
    /// Degraded monitoring since `since`; the failover decision runs again at `rerunAt` (nil: never by itself).
    case degraded(DegradedReason, since: MonitorInstant, rerunAt: MonitorInstant?)

    /// A short name for logs and `daemon status`.
    public var name: String {
        switch self {
        case .monitoring: "monitoring"
        case .upstreamLost: "upstream lost"
        case .localNodeLost: "local node lost"
        case .electing: "electing"
        case .requestingVotes: "requesting votes"
        case .validating: "validating"
        case .promoting: "promoting"
        case .waitingForNewPrimary: "waiting for new primary"
        case .following: "following"
        case .rejoining: "rejoining"
        case .degraded: "degraded"
        }
    }

    /// Whether this is degraded monitoring.
    public var isDegraded: Bool {
        if case .degraded = self { return true }
        return false
    }
}
