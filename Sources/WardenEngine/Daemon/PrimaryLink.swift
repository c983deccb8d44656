import Synchronization

/// A daemon's connection to the cluster's primary for metadata writes (status heartbeat,
/// events, monitoring history), kept open between uses instead of connecting every
/// monitoring interval. It is dropped when it breaks or a write on it fails, and found again
/// among the nodes at the next use (after a failover that is the new primary).
final class PrimaryLink: Sendable {
    private struct State {
        var open: Catalog?
        /// The connection the daemon status table was last made sure of.
        var statusTableReadyOn: ObjectIdentifier?
    }

    private let state = Mutex(State())

    /// The primary's catalog: `localPrimary` (the daemon's own server, passed only when it
    /// runs as the primary), the open link, or a new one; nil when there is none or the open
    /// link is still busy (a hung primary).
    func catalog(local localPrimary: PostgresConnection?, nodes: [NodeRecord]) async -> Catalog? {
        if let localPrimary, !localPrimary.isBroken { return Catalog(connection: localPrimary) }
        if let open = state.withLock({ $0.open }), !open.connection.isBroken {
            // Still busy with an earlier write: the primary may hang, and writes must not pile up.
            return open.connection.isBusy ? nil : open
        }
        let found = try? await ClusterConnector.primary(among: nodes).1
        state.withLock { $0.open = found }
        return found
    }

    /// Forgets the link after a failed write, so that the next use looks for the primary again.
    func drop(_ catalog: Catalog) {
        state.withLock { value in
            if value.open?.connection === catalog.connection { value.open = nil }
        }
    }

    /// Creates the daemon status table once per connection rather than at every heartbeat.
    func ensureStatusTable(on catalog: Catalog) async throws(WardenError) {
        let identity = ObjectIdentifier(catalog.connection)
        guard state.withLock({ $0.statusTableReadyOn }) != identity else { return }
        try await DaemonStatusTable.ensure(on: catalog)
        state.withLock { $0.statusTableReadyOn = identity }
    }
}
