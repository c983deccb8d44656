/// Copies the primary's `repmgr.nodes` to a witness, which keeps its own copy of the cluster's
/// metadata so that it can take part in failover decisions when the primary is gone.
///
/// The copy replaces the witness's records in one transaction: readers on the witness see either the
/// old set or the new one, never a mix. `upstream_node_id` references other rows of the same table
/// (the constraint is `DEFERRABLE`), so it is checked only at commit, once every row is in.
public enum WitnessMetadataSync {
    /// Replaces the witness's node records with the primary's; returns how many were copied.
    @discardableResult
    public static func sync(from primary: Catalog, to witness: Catalog) async throws(WardenError) -> Int {
        let nodes = try await primary.nodes()
        try await replace(with: nodes, on: witness)
        return nodes.count
    }

    /// Replaces the witness's node records with `nodes`.
    public static func replace(with nodes: [NodeRecord], on witness: Catalog) async throws(WardenError) {
        try await witness.begin()
        do throws(WardenError) {
            try await witness.connection.query("SET CONSTRAINTS ALL DEFERRED")
            try await witness.connection.query("DELETE FROM repmgr.nodes")
            for node in nodes {
                try await witness.insert(node)
            }
            try await witness.commit()
        } catch {
            await witness.rollback()
            throw WardenError(
                "unable to copy repmgr node records from primary", detail: error.message,
                hint: "the witness keeps its previous copy; run \"pgwarden witness register --force\" on it to retry",
                exitStatus: .badConfig)
        }
    }
}
