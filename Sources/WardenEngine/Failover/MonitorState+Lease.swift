/// The lease as `daemon status --explain` and the dashboard show it, in one line.
extension MonitorState {
    /// `lease: held for term 1, granted by node2, witness (2 needed), valid for another 4.2 s`, or
    /// what this node promised as a voter; nil when neither applies.
    public func leaseSummary(context: MonitorContext, now: MonitorInstant) -> String? {
        let settings = context.settings
        func seconds(_ milliseconds: Int64) -> String {
            MonitorInstant.durationText(milliseconds: max(milliseconds, 0))
        }
        func name(_ id: Int) -> String { context.node(id)?.nodeName ?? "node \(id)" }
        if role == .primary, let lease {
            let voters = CandidateElection.voters(replacing: context.nodeID, in: context.nodes)
            let needed = PrimaryLease.grantsNeeded(voters: voters.count)
            if lease.released { return "lease: term \(lease.term) released (the server stopped)" }
            if lease.lost { return "lease: term \(lease.term) lost, the server was stopped; asking the voters again" }
            guard let until = lease.validUntil(voters: voters, settings: settings) else {
                return "lease: term \(lease.term), no voters (nobody could replace this primary)"
            }
            let holders = voters.filter { voter in
                lease.grantedAt[voter].map { now < $0.advanced(by: settings.leaseSafeDuration) } ?? false
            }
            let by = holders.isEmpty ? "nobody yet" : holders.map(name).joined(separator: ", ")
            return "lease: held for term \(lease.term), granted by \(by) (\(needed) of \(voters.count) needed), "
                + "valid for another \(seconds(until.milliseconds(since: now)))"
        }
        guard let grant = leaseGrant, grant.binds(at: now) else { return nil }
        let whom = grant.holderID.map(name) ?? "the primary (granted before this daemon started)"
        return "lease: granted to \(whom) for term \(grant.term), binding for another "
            + seconds(grant.expiresAt.milliseconds(since: now))
    }
}
