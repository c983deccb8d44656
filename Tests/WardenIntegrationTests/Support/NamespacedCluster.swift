import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A real cluster whose nodes live in network namespaces of their own, joined by a private switch
/// (``NamespaceSwitch``): node N is `<subnet>.N` in namespace `pgw-<run>-nN`, so a test can cut the link
/// between two nodes and nothing else. Servers, pgwarden commands and daemons all run inside their node's
/// namespace (`ip netns exec NS runuser -u postgres -- …`); so do the test's own `psql` checks.
///
/// Built like ``PgwardenCluster``: node1 initdb'd and registered as primary, standbys cloned with
/// `pgwarden standby clone` and registered, optionally a witness. ``shutdown()`` stops the daemons and the
/// servers, then deletes the namespaces.
final class NamespacedCluster: @unchecked Sendable {
    let base: PgwardenCluster
    let network: NamespaceSwitch
    private(set) var daemons: [Int: BackgroundProcess] = [:]
    private var extraConfiguration: [Int: String] = [:]

    var sandbox: TestSandbox { base.sandbox }

    init() throws {
        base = try PgwardenCluster()
        do {
            network = try NamespaceSwitch()
        } catch {
            base.shutdown()
            throw error
        }
    }

    deinit { shutdown() }

    /// Daemons first (so none restarts a server), then servers, then the namespaces.
    func shutdown() {
        for daemon in daemons.values { _ = daemon.terminate(timeout: .seconds(5)) }
        daemons.removeAll()
        base.shutdown()
        network.teardown()
    }

    static func label(_ nodeID: Int) -> String { "n\(nodeID)" }

    func namespace(_ nodeID: Int) throws -> NetworkNamespace { try network.namespace(Self.label(nodeID)) }

    func server(_ nodeID: Int) throws -> PostgresServer { try base.server(nodeID) }

    func address(_ nodeID: Int) throws -> String { try network.address(Self.label(nodeID)) }

    /// Creates node N's namespace and a server description placed in it (no data directory yet).
    private func makeServer(_ nodeID: Int) throws -> PostgresServer {
        let namespace = try network.addNode(Self.label(nodeID), host: nodeID)
        let server = try PostgresServer(sandbox: sandbox, name: "node\(nodeID)")
        server.placement = PostgresServer.NetworkPlacement(
            commandPrefix: namespace.commandPrefix, address: try address(nodeID), clientNetwork: network.network)
        base.adopt(server, as: nodeID)
        return server
    }

    /// Writes node N's repmgr.conf: its namespace address in the conninfo, plus `extra`.
    @discardableResult
    func writeConfig(_ nodeID: Int, extra: String? = nil) throws -> String {
        if let extra { extraConfiguration[nodeID] = extra }
        let server = try server(nodeID)
        let text = """
            # pgwarden integration test, node \(nodeID) in namespace \(try namespace(nodeID).name)
            node_id=\(nodeID)
            node_name='node\(nodeID)'
            conninfo='host=\(server.address) port=\(server.port) user=repmgr dbname=repmgr connect_timeout=2'
            data_directory='\(server.dataDirectory)'
            use_replication_slots=yes
            pg_bindir='\(try PostgresBinaries.bindir())'
            repmgrd_pid_file='\(sandbox.subpath("daemon\(nodeID).pid"))'
            \(extraConfiguration[nodeID] ?? "")
            """
        return try sandbox.writeFile("node\(nodeID).conf", contents: text)
    }

    /// Runs pgwarden for node N inside its namespace, as the server user, from the sandbox.
    func pgwarden(node nodeID: Int, _ arguments: [String]) async throws -> CommandResult {
        try await ProcessRunner.run(
            [base.binary, "-f", base.configPath(nodeID)] + arguments, asUser: sandbox.serverUser.name,
            environment: ["TMPDIR": sandbox.path], workingDirectory: sandbox.path, timeout: .seconds(120),
            wrapper: try namespace(nodeID).commandPrefix)
    }

    /// The `-h -p -U -d` options that point a command at node N.
    func connectionOptions(_ nodeID: Int) throws -> [String] {
        let server = try server(nodeID)
        return ["-h", server.address, "-p", String(server.port), "-U", "repmgr", "-d", "repmgr"]
    }

    /// initdb + start node1 in its namespace and `pgwarden primary register`.
    func createPrimary(extra: String = "") async throws {
        let primary = try makeServer(1)
        try primary.initdb()
        try primary.start()
        try primary.createDatabase(PostgresServer.database)
        try writeConfig(1, extra: extra)
        _ = try await pgwarden(node: 1, ["primary", "register"]).check()
    }

    /// Clones node N from node1 with pgwarden (inside N's namespace), starts and registers it.
    func addStandby(_ nodeID: Int, extra: String = "") async throws {
        let standby = try makeServer(nodeID)
        try writeConfig(nodeID, extra: extra)
        _ = try await pgwarden(node: nodeID, try connectionOptions(1) + ["standby", "clone", "--fast-checkpoint"])
            .check()
        try standby.applyHarnessSettings()
        try standby.start()
        _ = try await pgwarden(node: nodeID, ["standby", "register"]).check()
    }

    /// A separate instance in its own namespace, registered as witness of node1.
    func addWitness(_ nodeID: Int, extra: String = "") async throws {
        let witness = try makeServer(nodeID)
        try witness.initdb()
        try witness.start()
        try witness.createDatabase(PostgresServer.database)
        try writeConfig(nodeID, extra: extra)
        _ = try await pgwarden(node: nodeID, try connectionOptions(1) + ["witness", "register"]).check()
    }

    /// Starts node N's daemon (`pgwarden daemon run`) in its namespace; output to `daemonN.log`.
    @discardableResult
    func startDaemon(_ nodeID: Int) throws -> BackgroundProcess {
        let daemon = try BackgroundProcess(
            [base.binary, "-f", base.configPath(nodeID), "daemon", "run"], asUser: sandbox.serverUser.name,
            environment: ["TMPDIR": sandbox.path], workingDirectory: sandbox.path,
            outputPath: sandbox.subpath("daemon\(nodeID).log"), wrapper: try namespace(nodeID).commandPrefix)
        daemons[nodeID] = daemon
        return daemon
    }

    /// The cluster of the partition tests: primary node1, standbys node2 and node3 and witness
    /// node4, each with `extra` in its configuration and its daemon running; returns once all four
    /// daemons report that they monitor (the daemons' output is recorded if they do not).
    func startWithDaemons(extra: String) async throws {
        try await createPrimary(extra: extra)
        try await addStandby(2, extra: extra)
        try await addStandby(3, extra: extra)
        try await addWitness(4, extra: extra)
        for node in 1...4 { try startDaemon(node) }
        do {
            try await Polling.until("four daemons monitoring", timeout: .seconds(40), interval: .milliseconds(250)) {
                self.query(
                    1, "SELECT count(*) FROM repmgr.pgwarden_daemon WHERE pid IS NOT NULL AND state = 'monitoring'")
                    == "4"
            }
        } catch {
            Issue.record("\(daemonOutput())")
            throw error
        }
    }

    func daemon(_ nodeID: Int) throws -> BackgroundProcess {
        guard let daemon = daemons[nodeID] else { throw HarnessError("node \(nodeID) has no daemon") }
        return daemon
    }

    /// Every daemon's output, for failure messages.
    func daemonOutput() -> String {
        daemons.keys.sorted().map { "--- daemon of node\($0) ---\n\(daemons[$0]?.output() ?? "")" }
            .joined(separator: "\n")
    }

    /// `psql` on node N, run inside N's namespace; nil when it fails.
    func query(_ nodeID: Int, _ sql: String) -> String? {
        try? server(nodeID).psql(sql, timeout: .seconds(10))
    }
}
