/// What one demo run started, kept in a state file so that a later run can clean up after a
/// crash: the demo process itself, its directory, the data directories of its servers, and the
/// children it spawned (daemons, pgbouncer), each with its full identity.
struct DemoRunRecord: Sendable, Codable, Equatable {
    /// One spawned child and what it is.
    struct Child: Sendable, Codable, Equatable {
        var role: String
        var identity: ProcessIdentity
    }

    var owner: ProcessIdentity
    var directory: String
    var keep: Bool
    var bindir: String
    var dataDirectories: [String]
    var children: [Child]
}
