/// Copies `repmgr.nodes` from the primary to a witness after the topology changed, so that
/// the witness's view of the cluster stays current. Failures are reported, not thrown.
enum WitnessCopy {
    static func refresh(_ witness: NodeRecord, from primary: Catalog, report: @escaping MessageSink) async {
        do throws(WardenError) {
            let nodes = try await primary.nodes()
            let connection = try await PostgresConnection.connect(try Conninfo(parsing: witness.conninfo))
            let copy = Catalog(connection: connection)
            try await copy.begin()
            do throws(WardenError) {
                try await connection.query("SET CONSTRAINTS ALL DEFERRED")
                try await connection.query("DELETE FROM repmgr.nodes")
                for node in nodes { try await copy.insert(node) }
                try await copy.commit()
            } catch {
                await copy.rollback()
                throw error
            }
        } catch {
            report(OperationMessage(.warning, "unable to update the metadata copy on witness \(witness.label): \(error.message)"))
        }
    }
}
