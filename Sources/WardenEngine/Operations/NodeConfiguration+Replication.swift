/// Replication-user rules shared by the operations.
extension NodeConfiguration {
    /// `replication_user`, or the conninfo's user when it is not set.
    public var effectiveReplicationUser: String {
        replicationUser.isEmpty ? (parsedConninfo?.user ?? "postgres") : replicationUser
    }

    /// The user pg_basebackup and primary_conninfo connect as: `replication_user` if set,
    /// else the user given for the upstream.
    func replicationUserForClone(_ upstream: Conninfo) -> String {
        let configured = (rawValues["replication_user"] ?? "").isEmpty ? nil : replicationUser
        return configured ?? upstream.user ?? effectiveReplicationUser
    }
}
