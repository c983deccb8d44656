/// The lease as one daemon sees it at one instant, for `daemon status --explain`, the dashboard
/// and `cluster show --json` (the daemon stores it with its heartbeat in `repmgr.pgwarden_daemon`).
/// A primary reports the lease it holds; a standby or witness the promise it gave as a voter.
public struct LeaseStatus: Sendable, Equatable, Codable {
    /// What this daemon's side of the lease is.
    public enum State: String, Sendable, Codable {
        /// The primary holds it (by grants, or by the grace it gives itself at start).
        case held
        /// The primary fenced its server when the lease ran out, and asks the voters again.
        case lost
        /// The primary's server stopped and it told the voters so: they are free.
        case released
        /// The primary has nobody who could replace it, so nothing to hold.
        case noVoters
        /// A voter's promise: it backs no other candidate until it ends.
        case granted
    }

    public var state: State
    /// The term of the lease.
    public var term: Int
    /// The node that holds the lease (a primary: itself); nil for a voter's promise made at its start.
    public var holderNodeID: Int?
    /// The voters whose grants are still current (primaries only).
    public var grantedBy: [Int]
    /// How many grants the lease needs, of how many voters (primaries only).
    public var needed: Int?
    public var voters: Int?
    /// Milliseconds until the lease, or the voter's promise, ends (0 when it has).
    public var expiresInMilliseconds: Int64

    public init(
        state: State, term: Int, holderNodeID: Int?, grantedBy: [Int] = [], needed: Int? = nil, voters: Int? = nil,
        expiresInMilliseconds: Int64
    ) {
        self.state = state
        self.term = term
        self.holderNodeID = holderNodeID
        self.grantedBy = grantedBy
        self.needed = needed
        self.voters = voters
        self.expiresInMilliseconds = expiresInMilliseconds
    }
}

extension MonitorState {
    /// The lease at `now` (see ``LeaseStatus``); nil when this node neither holds nor promised one.
    public func leaseStatus(context: MonitorContext, now: MonitorInstant) -> LeaseStatus? {
        let settings = context.settings
        if role == .primary, let lease {
            let voters = CandidateElection.voters(replacing: context.nodeID, in: context.nodes)
            let holders = voters.filter { voter in
                lease.grantedAt[voter].map { now < $0.advanced(by: settings.leaseSafeDuration) } ?? false
            }
            let until = lease.validUntil(voters: voters, settings: settings)
            let state: LeaseStatus.State =
                lease.released ? .released : lease.lost ? .lost : until == nil ? .noVoters : .held
            return LeaseStatus(
                state: state, term: lease.term, holderNodeID: context.nodeID, grantedBy: holders,
                needed: PrimaryLease.grantsNeeded(voters: voters.count), voters: voters.count,
                expiresInMilliseconds: max(until?.milliseconds(since: now) ?? 0, 0))
        }
        guard let grant = leaseGrant, grant.binds(at: now) else { return nil }
        return LeaseStatus(
            state: .granted, term: grant.term, holderNodeID: grant.holderID, grantedBy: [], needed: nil, voters: nil,
            expiresInMilliseconds: grant.expiresAt.milliseconds(since: now))
    }
}
