/// Refreshes a witness's copy of `repmgr.nodes` after the topology changed, reporting (not
/// throwing) a failure: a witness that cannot be updated must not fail the operation.
enum WitnessCopy {
    static func refresh(_ witness: NodeRecord, from primary: Catalog, report: @escaping MessageSink) async {
        do throws(WardenError) {
            let connection = try await PostgresConnection.connect(try Conninfo(parsing: witness.conninfo))
            _ = try await WitnessMetadataSync.sync(from: primary, to: Catalog(connection: connection))
        } catch {
            report(
                OperationMessage(
                    .warning, "unable to update the metadata copy on witness \(witness.label): \(error.message)"))
        }
    }
}
