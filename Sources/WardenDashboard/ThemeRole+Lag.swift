extension ThemeRole {
    /// A lag cell's role: the threshold role for standbys, plain text for nodes without lag.
    func lagRole(_ row: NodeRow) -> ThemeRole {
        row.lag == nil ? .text : (row.observation.reachable ? self : .unknown)
    }
}
