/// The lease as `daemon status --explain` and the dashboard show it, in one line.
extension MonitorState {
    /// `lease: held for term 1, granted by node2, witness (2 of 3 needed), valid for another 4.2 s`,
    /// or what this node promised as a voter; nil when neither applies.
    public func leaseSummary(context: MonitorContext, now: MonitorInstant) -> String? {
        leaseStatus(context: context, now: now).map { $0.summary(names: { context.node($0)?.nodeName }) }
    }
}

extension LeaseStatus {
    /// One line for people, with node names from `names` (node IDs where it has none).
    public func summary(names: (Int) -> String?) -> String {
        func name(_ id: Int) -> String { names(id) ?? "node \(id)" }
        let remaining = MonitorInstant.durationText(milliseconds: expiresInMilliseconds)
        switch state {
        case .released: return "lease: term \(term) released (the server stopped)"
        case .lost: return "lease: term \(term) lost, the server was stopped; asking the voters again"
        case .noVoters: return "lease: term \(term), no voters (nobody could replace this primary)"
        case .held:
            let by = grantedBy.isEmpty ? "nobody yet" : grantedBy.map(name).joined(separator: ", ")
            return "lease: held for term \(term), granted by \(by) (\(needed ?? 0) of \(voters ?? 0) needed), "
                + "valid for another \(remaining)"
        case .granted:
            let whom = holderNodeID.map(name) ?? "the primary (granted before this daemon started)"
            return "lease: granted to \(whom) for term \(term), binding for another \(remaining)"
        }
    }
}
