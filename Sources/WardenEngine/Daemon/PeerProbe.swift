/// What a standby's daemon learns about its peers when its upstream stops answering, asked
/// of each peer's own server (no agent needed): a sibling "sees" the primary when its WAL
/// receiver still streams from it; a witness sees it when `pg_isready`, run on the witness's
/// own host through the witness's server, reaches the primary.
public struct PeerFacts: Sendable, Equatable {
    public var node: NodeRecord
    public var reachable: Bool
    public var seesPrimary: Bool
    public var receivedLSN: LSN?
    /// The node is running as a primary (it was promoted).
    public var isPrimary: Bool

    public static func probe(_ peer: NodeRecord, primary: NodeRecord) async -> PeerFacts {
        guard let conninfo = try? Conninfo(parsing: peer.conninfo),
            let connection = try? await PostgresConnection.connect(conninfo, timeout: .seconds(2))
        else { return PeerFacts(node: peer, reachable: false, seesPrimary: false, receivedLSN: nil, isPrimary: false) }
        if peer.type == .witness {
            let sees = await witnessSees(primary, via: connection)
            return PeerFacts(node: peer, reachable: true, seesPrimary: sees, receivedLSN: nil, isPrimary: false)
        }
        let facts = try? await connection.query(
            """
            SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
                   pg_catalog.pg_last_wal_receive_lsn()::text AS received,
                   (SELECT status = 'streaming' AND sender_port = $1::int FROM pg_catalog.pg_stat_wal_receiver) AS streaming
            """, [primaryPort(primary)], timeout: .seconds(2))
        let row = facts?.first
        return PeerFacts(
            node: peer, reachable: row != nil, seesPrimary: row?.bool("streaming") ?? false,
            receivedLSN: row?.lsn("received"), isPrimary: row?.bool("in_recovery") == false)
    }

    private static func primaryPort(_ primary: NodeRecord) -> String {
        (try? Conninfo(parsing: primary.conninfo))?.port ?? "5432"
    }

    private static func witnessSees(_ primary: NodeRecord, via connection: PostgresConnection) async -> Bool {
        guard let conninfo = try? Conninfo(parsing: primary.conninfo) else { return false }
        let host = ShellQuoting.quote(conninfo.host ?? "127.0.0.1")
        let port = ShellQuoting.quote(conninfo.port ?? "5432")
        let command = "\(ServiceCommands.serverBindirExpression)/pg_isready -q -h \(host) -p \(port) -t 2"
        return (try? await ServerHost(connection: connection).run(command, timeout: .seconds(4))) != nil
    }
}
