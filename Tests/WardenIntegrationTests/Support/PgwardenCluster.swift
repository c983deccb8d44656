import Foundation
import Testing

/// A real cluster built with pgwarden's own commands: node1 registered as primary, then
/// standbys cloned with `pgwarden standby clone`, started, and registered. Every pgwarden
/// command that touches a data directory runs as the server user, as an operator would.
final class PgwardenCluster: @unchecked Sendable {
    let sandbox: TestSandbox
    let binary: String
    private(set) var servers: [Int: PostgresServer] = [:]

    init() throws {
        sandbox = try TestSandbox()
        binary = try sandbox.copyPgwardenBinary()
    }

    deinit { shutdown() }

    /// Stops every server and removes the sandbox.
    func shutdown() {
        for server in servers.values { try? server.stop(mode: .immediate) }
        servers.removeAll()
        sandbox.cleanup()
    }

    func server(_ nodeID: Int) throws -> PostgresServer {
        guard let server = servers[nodeID] else { throw HarnessError("node \(nodeID) was not created") }
        return server
    }

    /// Keeps a server the test created itself (a witness) alive and stopped with the cluster.
    func adopt(_ server: PostgresServer, as nodeID: Int) {
        servers[nodeID] = server
    }

    func configPath(_ nodeID: Int) -> String { sandbox.subpath("node\(nodeID).conf") }

    /// Writes node N's repmgr.conf (connect_timeout=2 in the conninfo, replication slots on).
    @discardableResult
    func writeConfig(_ nodeID: Int, port: Int, dataDirectory: String, extra: String = "") throws -> String {
        let text = """
            # pgwarden integration test, node \(nodeID)
            node_id=\(nodeID)
            node_name='node\(nodeID)'
            conninfo='host=127.0.0.1 port=\(port) user=repmgr dbname=repmgr connect_timeout=2'
            data_directory='\(dataDirectory)'
            use_replication_slots=yes
            pg_bindir='\(try PostgresBinaries.bindir())'
            \(extra)
            """
        return try sandbox.writeFile("node\(nodeID).conf", contents: text)
    }

    /// Runs pgwarden as the server user from the sandbox.
    func pgwarden(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        try await ProcessRunner.run(
            [binary] + arguments, asUser: sandbox.serverUser.name, environment: environment,
            workingDirectory: sandbox.path, timeout: .seconds(120))
    }

    /// Runs pgwarden for node N (`-f nodeN.conf` first, repmgr style).
    func pgwarden(node nodeID: Int, _ arguments: [String]) async throws -> CommandResult {
        try await pgwarden(["-f", configPath(nodeID)] + arguments)
    }

    /// initdb + start node1 and `pgwarden primary register`.
    func createPrimary() async throws {
        let primary = try PostgresServer.startPrimary(in: sandbox, name: "node1")
        servers[1] = primary
        try writeConfig(1, port: primary.port, dataDirectory: primary.dataDirectory)
        _ = try await pgwarden(node: 1, ["primary", "register"]).check()
    }

    /// Clones node N from `upstream` with pgwarden, starts it and registers it.
    func addStandby(_ nodeID: Int, upstream: Int, register: Bool = true) async throws {
        let source = try server(upstream)
        let standby = try PostgresServer(sandbox: sandbox, name: "node\(nodeID)")
        servers[nodeID] = standby
        try writeConfig(nodeID, port: standby.port, dataDirectory: standby.dataDirectory)
        var clone = ["-h", "127.0.0.1", "-p", String(source.port), "-U", "repmgr", "-d", "repmgr", "standby", "clone"]
        clone += ["--fast-checkpoint"]
        if upstream != 1 { clone += ["--upstream-node-id=\(upstream)"] }
        _ = try await pgwarden(node: nodeID, clone).check()
        try standby.applyHarnessSettings()
        try standby.start()
        if register {
            var arguments = ["standby", "register"]
            if upstream != 1 { arguments.append("--upstream-node-id=\(upstream)") }
            _ = try await pgwarden(node: nodeID, arguments).check()
        }
    }

    /// Primary node1, node2 streaming from it, node3 cascading from node2.
    static func threeNodes() async throws -> PgwardenCluster {
        let cluster = try PgwardenCluster()
        do {
            try await cluster.createPrimary()
            try await cluster.addStandby(2, upstream: 1)
            try await cluster.addStandby(3, upstream: 2)
        } catch {
            cluster.shutdown()
            throw error
        }
        return cluster
    }

    /// Waits until `cluster show` run for node 1 satisfies `condition`.
    func waitForClusterShow(
        timeout: Duration = .seconds(20), _ condition: @escaping (CommandResult) -> Bool
    ) async throws -> CommandResult {
        var last: CommandResult?
        try await Polling.until("cluster show to match", timeout: timeout, interval: .milliseconds(250)) {
            let result = try await self.pgwarden(node: 1, ["cluster", "show"])
            last = result
            return condition(result)
        }
        guard let last else { throw HarnessError("cluster show never ran") }
        return last
    }
}
