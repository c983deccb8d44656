/// Finds the servers an operation needs: the node it runs on, and the cluster's current
/// primary (where all metadata writes go).
public enum ClusterConnector {
    /// Connects to the local node and checks that its metadata schema exists.
    public static func connectWithMetadata(_ conninfo: Conninfo, readOnly: Bool = false) async throws(WardenError)
        -> Catalog
    {
        let connection = try await PostgresConnection.connect(conninfo, readOnly: readOnly)
        let catalog = Catalog(connection: connection)
        guard try await catalog.schemaExists() else {
            throw WardenError(
                "the \"repmgr\" metadata schema was not found on this node",
                detail: "connected using: \(conninfo)",
                hint: "register the primary first with \"pgwarden primary register\"",
                exitStatus: .badConfig)
        }
        return catalog
    }

    /// Connects to the registered active primary that is running and not in recovery.
    public static func primary(among nodes: [NodeRecord], readOnly: Bool = false) async throws(WardenError)
        -> (NodeRecord, Catalog)
    {
        // Registered active primaries first; after a failover the metadata a standby holds may
        // still name the old primary, so any other data node running as primary is tried next.
        let registered = nodes.filter { $0.type == .primary && $0.active }
        let others = nodes.filter { !($0.type == .primary && $0.active) && $0.type != .witness }
        let candidates = registered + others
        guard !registered.isEmpty || !others.isEmpty else {
            throw WardenError(
                "no active primary node is registered in this cluster",
                hint: "register the primary with \"pgwarden primary register\"", exitStatus: .badConfig)
        }
        var reasons: [String] = []
        for candidate in candidates {
            do {
                let conninfo = try Conninfo(parsing: candidate.conninfo)
                let connection = try await PostgresConnection.connect(conninfo, readOnly: readOnly)
                let recovery = try await connection.query("SELECT pg_catalog.pg_is_in_recovery() AS in_recovery")
                if recovery.first?.bool("in_recovery") == false {
                    return (candidate, Catalog(connection: connection))
                }
                reasons.append("\(candidate.label) is in recovery")
            } catch {
                reasons.append("\(candidate.label): \(error.detail ?? error.message)")
            }
        }
        throw WardenError(
            "unable to connect to the primary node", detail: reasons.joined(separator: "\n"),
            hint: "check that the primary is running, or promote a standby", exitStatus: .dbConnection)
    }
}
