import Synchronization

/// A daemon's connections to its peers' servers, kept open between peer polls and message
/// deliveries instead of connecting each time: an idle primary polls its peers every monitoring
/// interval, and an election sends votes in both directions, where a ready connection also saves
/// the connect time. A link that broke is replaced; one still busy with an earlier call (a hung
/// peer) is not waited for — the caller gets a fresh connection of its own.
final class PeerLinks: Sendable {
    /// An open connection to one peer's server.
    struct Link: Sendable {
        let connection: PostgresConnection
        let conninfo: String
    }

    private let links = Mutex<[Int: Link]>([:])

    /// A usable connection to `record`'s server, or nil when it cannot be reached within `timeout`.
    func link(to record: NodeRecord, timeout: Duration) async -> Link? {
        if let open = links.withLock({ $0[record.nodeID] }), open.conninfo == record.conninfo,
            !open.connection.isBroken, !open.connection.isBusy
        {
            return open
        }
        guard let conninfo = try? Conninfo(parsing: record.conninfo),
            let connection = try? await PostgresConnection.connect(conninfo, timeout: timeout)
        else {
            return nil
        }
        let link = Link(connection: connection, conninfo: record.conninfo)
        links.withLock { current in
            if let open = current[record.nodeID], !open.connection.isBroken, open.connection.isBusy { return }
            current[record.nodeID] = link
        }
        return link
    }

    /// Forgets `link` after a call on it failed.
    func drop(_ link: Link, nodeID: Int) {
        links.withLock { current in
            if current[nodeID]?.connection === link.connection { current[nodeID] = nil }
        }
    }
}
