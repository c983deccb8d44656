import Foundation
import Testing

/// Issue 18, finding 4: a node name with a tab (`node3<TAB>host=203.0.113.7`) used to reach
/// `primary_conninfo` unquoted, so the cloned standby connected to 203.0.113.7 instead of its
/// upstream. Now the cloned standby streams from its upstream under its whole name, and every
/// registration refuses the name with one message and exit code 1.
@Suite("Conninfo injection through node names", .serialized)
struct ConninfoInjectionTests {
    static let hostileName = "node2\thost=203.0.113.7"

    @Test("a cloned standby whose node_name holds a tab streams from its upstream; registration refuses the name")
    func tabInNodeName() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        let primary = try PostgresServer.startPrimary(in: cluster.sandbox, name: "node1")
        cluster.adopt(primary, as: 1)

        // primary register refuses the name before touching the server.
        let badPrimaryConfig = try writeConfig(
            cluster, nodeID: 1, nameLiteral: "node1\\033[31m", port: primary.port, dataDirectory: primary.dataDirectory)
        let refusedPrimary = try await cluster.pgwarden(["-f", badPrimaryConfig, "primary", "register"])
        #expect(refusedPrimary.exitCode == 1, "\(refusedPrimary)")
        #expect(refusedPrimary.stderr.contains("node_name \"node1\\u{1B}[31m\" contains a control character (U+001B)"))
        #expect(!refusedPrimary.output.contains("\u{1B}"))
        #expect(try primary.psql("SELECT to_regclass('repmgr.nodes') IS NULL") == "t")
        try cluster.writeConfig(1, port: primary.port, dataDirectory: primary.dataDirectory)
        _ = try await cluster.pgwarden(node: 1, ["primary", "register"]).check()

        // The clone writes primary_conninfo through the one conninfo writer.
        let standby = try PostgresServer(sandbox: cluster.sandbox, name: "node2")
        cluster.adopt(standby, as: 2)
        let config = try writeConfig(
            cluster, nodeID: 2, nameLiteral: Self.hostileName, port: standby.port, dataDirectory: standby.dataDirectory)
        let upstream = ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "repmgr", "-d", "repmgr"]
        _ = try await cluster.pgwarden(["-f", config] + upstream + ["standby", "clone", "--fast-checkpoint"]).check()
        let autoConf = try String(contentsOfFile: standby.dataDirectory + "/postgresql.auto.conf", encoding: .utf8)
        #expect(autoConf.contains("application_name=''node2\thost=203.0.113.7''"), "\(autoConf)")
        try standby.applyHarnessSettings()
        try standby.start()

        // The standby streams from node1 under its whole name (the server shows the tab as `?`), and
        // connects to no other host.
        do {
            try await Polling.until("node2 to stream from node1", timeout: .seconds(30), interval: .milliseconds(200)) {
                try primary.psql(
                    "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'node2?host=203.0.113.7' AND state = 'streaming'"
                ) == "1"
            }
        } catch {
            let senders = (try? primary.psql("SELECT application_name, state FROM pg_stat_replication")) ?? "?"
            Issue.record("\(error)\npg_stat_replication: \(senders)\nnode2's log:\n\(standby.logTail())")
            throw error
        }
        let receiver = try standby.psql("SELECT sender_host || ':' || sender_port FROM pg_stat_wal_receiver")
        #expect(receiver == "127.0.0.1:\(primary.port)")

        // standby register refuses the name with one clear message and exit code 1, and records nothing.
        let refused = try await cluster.pgwarden(["-f", config, "standby", "register"])
        #expect(refused.exitCode == 1, "\(refused)")
        #expect(
            refused.stderr.contains(
                "ERROR: node_name \"node2\\thost=203.0.113.7\" contains a control character (U+0009)"))
        #expect(refused.stderr.contains("HINT: node names may hold printable characters only"))
        #expect(try primary.psql("SELECT count(*) FROM repmgr.nodes WHERE node_id = 2") == "0")

        // witness register refuses it too (before connecting anywhere).
        let witnessConfig = try writeConfig(
            cluster, nodeID: 3, nameLiteral: "witness\\nhost=203.0.113.7", port: primary.port,
            dataDirectory: "/nonexistent")
        let witness = try await cluster.pgwarden(["-f", witnessConfig] + upstream + ["witness", "register"])
        #expect(witness.exitCode == 1, "\(witness)")
        #expect(
            witness.stderr.contains("node_name \"witness\\nhost=203.0.113.7\" contains a control character (U+000A)"))
        #expect(try primary.psql("SELECT count(*) FROM repmgr.nodes WHERE node_id = 3") == "0")
    }

    /// A repmgr.conf whose node_name is `nameLiteral` as written between the quotes (a raw tab, or
    /// an escape such as `\n` or `\033` that the configuration parser resolves).
    private func writeConfig(
        _ cluster: PgwardenCluster, nodeID: Int, nameLiteral: String, port: Int, dataDirectory: String
    ) throws -> String {
        let text = """
            node_id=\(nodeID)
            node_name='\(nameLiteral)'
            conninfo='host=127.0.0.1 port=\(port) user=repmgr dbname=repmgr connect_timeout=2'
            data_directory='\(dataDirectory)'
            use_replication_slots=yes
            pg_bindir='\(try PostgresBinaries.bindir())'

            """
        return try cluster.sandbox.writeFile("hostile\(nodeID).conf", contents: text)
    }
}
