/// Reads a node's own repmgr.conf through its server (`pg_read_file`, superuser or
/// `pg_read_server_files`), for its service commands: no SSH, no shared filesystem.
enum RemoteNodeConfiguration {
    /// The configuration the node's record names, or nil when it cannot be read or parsed.
    static func read(of node: NodeRecord, via connection: PostgresConnection) async -> NodeConfiguration? {
        guard !node.configFile.isEmpty,
            let text = try? await connection.query("SELECT pg_catalog.pg_read_file($1) AS text", [node.configFile])
                .first?.string("text")
        else { return nil }
        return try? ConfigurationLoader.parse(text: text, path: node.configFile).0
    }
}
