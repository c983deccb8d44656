/// Builds the `primary_conninfo` a node uses to stream from an upstream node: the upstream's
/// address from its registered conninfo, the follower's replication user, and
/// `application_name` = the follower's node name (which is how upstreams report their children).
public enum ReplicationSource {
    public static func primaryConninfo(upstream: NodeRecord, follower: NodeRecord) throws(WardenError) -> String {
        let source = try Conninfo(parsing: upstream.conninfo)
        var conninfo = Conninfo(parameters: [])
        for key in ["host", "hostaddr", "port", "sslmode", "sslrootcert", "connect_timeout", "passfile"] {
            if let value = source[key] { conninfo[key] = value }
        }
        conninfo["user"] = follower.replicationUser.isEmpty ? source.user : follower.replicationUser
        conninfo["application_name"] = follower.nodeName
        return conninfo.connectionString
    }

    /// The slot a follower streams through, when the cluster uses slots.
    public static func slotName(for follower: NodeRecord) -> String? {
        follower.slotName
    }
}
