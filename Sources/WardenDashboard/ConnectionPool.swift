import WardenEngine

/// The dashboard's own connections, one per conninfo, kept between refreshes so that a
/// refresh does not reconnect to every node. Always opened read-only. A connection that
/// failed is dropped and made again at the next refresh.
actor ConnectionPool {
    private var connections: [String: PostgresConnection] = [:]

    /// Connect deadline used when the conninfo sets no `connect_timeout`.
    static let defaultConnectTimeout: Duration = .seconds(5)

    func connection(for conninfo: String) async throws(WardenError) -> PostgresConnection {
        if let existing = connections[conninfo] { return existing }
        let parsed = try Conninfo(parsing: conninfo)
        let timeout = parsed.connectTimeoutSeconds.map { Duration.seconds(min($0, 10)) } ?? Self.defaultConnectTimeout
        let connection = try await PostgresConnection.connect(
            parsed, timeout: timeout, applicationName: "pgwarden dashboard", readOnly: true)
        connections[conninfo] = connection
        return connection
    }

    func drop(_ conninfo: String) {
        connections[conninfo] = nil
    }

    /// Closes the connections of nodes that are no longer registered.
    func retain(only conninfos: Set<String>) {
        for key in connections.keys where !conninfos.contains(key) {
            connections[key] = nil
        }
    }
}
