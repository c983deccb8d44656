import Foundation
import Testing
import WardenEngine

/// Witness registration, `node service`, `cluster cleanup`, `cluster matrix` / `crosscheck` (without SSH)
/// and event notifications, against real PostgreSQL servers: node1 primary, node2 streaming from it,
/// node3 cascading from node2, and a witness (node4) on a separate instance.
@Suite("Witness, service, cleanup, matrix, notifications", .serialized)
struct WitnessAndServiceTests {
    /// A matrix table as repmgr prints it: rows end with a space.
    static func matrixTable(_ rows: [(String, Int, String)]) -> String {
        let width = max(4, rows.map(\.0.count).max() ?? 0)
        func pad(_ text: String) -> String { text + String(repeating: " ", count: width - text.count) }
        let ids = rows.map { String($0.1) }
        var lines = [" \(pad("Name")) | ID | " + ids.joined(separator: " | ")]
        lines.append(
            "-" + String(repeating: "-", count: width) + "-+----+" + ids.map { _ in "---" }.joined(separator: "+"))
        for (name, id, cells) in rows {
            lines.append(" \(pad(name)) | \(id)  | " + cells.map(String.init).joined(separator: " | ") + " ")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Starts a separate instance for the witness and writes its configuration as node 4.
    static func addWitness(to cluster: PgwardenCluster, name: String = "witness", extra: String = "") throws
        -> PostgresServer
    {
        let witness = try PostgresServer.startPrimary(in: cluster.sandbox, name: name)
        try cluster.writeConfig(4, port: witness.port, dataDirectory: witness.dataDirectory, extra: extra)
        return witness
    }

    static func registerArguments(primaryPort: Int) -> [String] {
        ["-h", "127.0.0.1", "-p", String(primaryPort), "-U", "repmgr", "-d", "repmgr", "witness", "register"]
    }

    @Test("crosscheck keeps the best status of every cell; exit codes 0, 25 and 12")
    func mergeRule() {
        let nodes = (1...3).map {
            NodeRecord(
                nodeID: $0, upstreamNodeID: nil, nodeName: "node\($0)", type: .standby, conninfo: "",
                replicationUser: "repmgr", configFile: "")
        }
        var first = ConnectivityMatrix(nodes: nodes)
        first.cells[0] = [.reachable, .unreachable, .unknown]
        var second = ConnectivityMatrix(nodes: nodes)
        second.cells[0] = [.unknown, .reachable, .unknown]
        second.cells[1] = [.unreachable, .unknown, .unknown]
        let merged = ConnectivityMatrix.merging([first, second], nodes: nodes)
        #expect(merged.cells[0] == [.reachable, .reachable, .unknown])
        #expect(merged.cells[1] == [.unreachable, .unknown, .unknown])
        #expect(merged.cells[2] == [.unknown, .unknown, .unknown])
        #expect(merged.exitStatus == .nodeStatus)
        #expect(merged.csvLines.prefix(4) == ["1,1,0", "1,2,0", "1,3,-2", "2,1,-1"])

        let allUp = ConnectivityMatrix(
            nodes: nodes, cells: Array(repeating: Array(repeating: .reachable, count: 3), count: 3))
        #expect(allUp.exitStatus == .success)
        var noChannel = allUp
        noChannel.cells[2] = [.unknown, .unknown, .unknown]
        noChannel.channelFailed = true
        #expect(noChannel.exitStatus == .badSSH)
        noChannel.cells[2][0] = .unreachable
        #expect(noChannel.exitStatus == .nodeStatus)
    }

    @Test("witness register/unregister, cluster matrix and crosscheck, cluster cleanup, node service")
    func witnessMatrixCleanupService() async throws {
        let cluster = try await PgwardenCluster.threeNodes()
        defer { cluster.shutdown() }
        let primary = try cluster.server(1)
        let witness = try Self.addWitness(to: cluster)
        let register = Self.registerArguments(primaryPort: primary.port)

        // --- witness register -------------------------------------------------------------------
        let dryRun = try await cluster.pgwarden(node: 4, register + ["--dry-run"])
        #expect(dryRun.exitCode == 0, "\(dryRun)")
        #expect(dryRun.stderr.contains("INFO: prerequisites for registering the witness node are met"))
        #expect(try witness.psql("SELECT to_regclass('repmgr.nodes') IS NULL") == "t")
        #expect(try primary.psql("SELECT count(*) FROM repmgr.nodes WHERE node_id = 4") == "0")

        let registered = try await cluster.pgwarden(node: 4, register)
        #expect(registered.exitCode == 0, "\(registered)")
        #expect(
            registered.stderr.contains(
                "INFO: connecting to witness node \"node4\" (ID: 4)\nINFO: connecting to primary node"))
        #expect(registered.stderr.contains("NOTICE: witness node \"node4\" (ID: 4) successfully registered"))
        #expect(
            try primary.psql(
                "SELECT type, upstream_node_id, priority, active, node_name FROM repmgr.nodes WHERE node_id = 4")
                == "witness|1|0|t|node4")
        let copy = """
            SELECT string_agg(node_id || ':' || type || ':' || coalesce(upstream_node_id::text, '-'), ',' ORDER BY node_id)
              FROM repmgr.nodes
            """
        #expect(try witness.psql(copy) == "1:primary:-,2:standby:1,3:standby:2,4:witness:1")
        #expect(try witness.psql("SELECT event FROM repmgr.events") == "cluster_created")
        let registerEvent = try await cluster.pgwarden(node: 1, ["cluster", "events", "--event=witness_register"])
        #expect(registerEvent.stdout.contains("| witness_register | t  |"))
        #expect(registerEvent.stdout.contains("witness registration succeeded; upstream node ID is 1"))

        let twice = try await cluster.pgwarden(node: 4, register)
        #expect(twice.exitCode == 1)
        #expect(
            twice.stderr.contains(
                "ERROR: witness node is already registered\nHINT: use option -F/--force to reregister the node"))
        let forced = try await cluster.pgwarden(node: 4, register + ["--force"])
        #expect(forced.exitCode == 0, "\(forced)")
        let onStandby = try await cluster.pgwarden(
            node: 4, Self.registerArguments(primaryPort: try cluster.server(2).port) + ["--force"])
        #expect(onStandby.exitCode == 1)
        #expect(onStandby.stderr.contains("ERROR: provided primary node is a standby"))
        let show = try await cluster.waitForClusterShow { $0.exitCode == 0 }
        #expect(show.stdout.contains(" 4  | node4 | witness | * running | node1 "))

        // --- cluster matrix / crosscheck: everyone reaches everyone ------------------------------
        let allUp = Self.matrixTable([
            ("node1", 1, "****"), ("node2", 2, "****"), ("node3", 3, "****"), ("node4", 4, "****"),
        ])
        let matrix = try await cluster.pgwarden(node: 1, ["cluster", "matrix"])
        #expect(matrix.exitCode == 0, "\(matrix)")
        #expect(matrix.stdout == allUp)
        #expect(matrix.stderr.contains("INFO: connecting to database"))
        let fromCascade = try await cluster.pgwarden(node: 3, ["cluster", "matrix"])
        #expect(fromCascade.stdout == allUp)
        let csv = try await cluster.pgwarden(node: 1, ["cluster", "matrix", "--csv"])
        let allCSV = (1...4).flatMap { row in (1...4).map { "\(row),\($0),0" } }.joined(separator: "\n") + "\n"
        #expect(csv.stdout == allCSV)
        let crosscheck = try await cluster.pgwarden(node: 2, ["cluster", "crosscheck"])
        #expect(crosscheck.exitCode == 0, "\(crosscheck)")
        #expect(crosscheck.stdout == allUp)
        let crosscheckCSV = try await cluster.pgwarden(node: 1, ["cluster", "crosscheck", "--csv"])
        #expect(crosscheckCSV.stdout == allCSV)
        // Each node's own view (its host connects to every node with psql and has it probe the others).
        let nodes = try await Catalog(
            connection: PostgresConnection.connect(try Conninfo(parsing: primary.conninfo))
        ).nodes()
        for viewer in nodes {
            let view = await ConnectivityMatrix.view(from: viewer, of: nodes)
            #expect(view.lines.joined(separator: "\n") + "\n" == allUp, "view from \(viewer.label)")
        }

        // --- cluster cleanup ----------------------------------------------------------------------
        _ = try primary.psql(
            """
            INSERT INTO repmgr.monitoring_history (primary_node_id, standby_node_id, last_monitor_time, last_apply_time,
                   last_wal_primary_location, last_wal_standby_location, replication_lag, apply_lag)
            SELECT 1, s, now() - d * interval '1 day', now() - d * interval '1 day', '0/3000000', '0/3000000', 0, 0
              FROM generate_series(2, 3) AS s, (VALUES (0), (3), (10), (40)) AS v(d)
            """)
        let history = "SELECT count(*) FROM repmgr.monitoring_history"
        let keep30 = try await cluster.pgwarden(node: 1, ["cluster", "cleanup", "--keep-history=30"])
        #expect(keep30.exitCode == 0, "\(keep30)")
        #expect(keep30.stderr.contains("NOTICE: monitoring records deleted; records newer than 30 day(s) retained"))
        #expect(try primary.psql(history) == "6")
        let node2 = try await cluster.pgwarden(node: 1, ["cluster", "cleanup", "-k", "5", "--node-id=2"])
        #expect(node2.exitCode == 0, "\(node2)")
        #expect(node2.stderr.contains("monitoring records deleted for node 2; records newer than 5 day(s) retained"))
        #expect(try primary.psql(history) == "5")
        #expect(try primary.psql("SELECT count(*) FROM repmgr.monitoring_history WHERE standby_node_id = 3") == "3")
        let everything = try await cluster.pgwarden(node: 2, ["cluster", "cleanup"])
        #expect(everything.exitCode == 0, "\(everything)")
        #expect(everything.stderr.contains("NOTICE: all monitoring records deleted"))
        #expect(try primary.psql(history) == "0")
        let nothing = try await cluster.pgwarden(node: 1, ["cluster", "cleanup"])
        #expect(nothing.exitCode == 0)
        #expect(nothing.stderr.contains("INFO: no monitoring records to delete"))
        let unknown = try await cluster.pgwarden(node: 1, ["cluster", "cleanup", "--node-id=99"])
        #expect(unknown.exitCode == 1)
        let cleanups = try primary.psql(
            "SELECT string_agg(node_id || ':' || details, '|' ORDER BY event_timestamp) FROM repmgr.events WHERE event = 'cluster_cleanup'"
        )
        #expect(
            cleanups
                == "1:monitoring records deleted; records newer than 30 day(s) retained|1:monitoring records deleted for node 2; records newer than 5 day(s) retained|2:all monitoring records deleted"
        )

        // --- node service -------------------------------------------------------------------------
        let node3 = try cluster.server(3)
        let pgCtl = try PostgresBinaries.path("pg_ctl")
        let data = node3.dataDirectory
        let list = try await cluster.pgwarden(node: 3, ["node", "service", "--list-actions"])
        #expect(list.exitCode == 0)
        #expect(
            list.stdout == """
                Following commands would be executed for each action:

                    start: "\(pgCtl) -w -D \(data) -l \(data)/pgwarden-server.log start"
                     stop: "\(pgCtl) -D \(data) -m fast -w stop"
                  restart: "\(pgCtl) -w -D \(data) -l \(data)/pgwarden-server.log -m fast restart"
                   reload: "\(pgCtl) -D \(data) reload"
                  promote: "\(pgCtl) -w -D \(data) promote"


                """)
        let one = try await cluster.pgwarden(node: 3, ["node", "service", "--list-actions", "--action=reload"])
        #expect(one.stdout == "\(pgCtl) -D \(data) reload\n")
        let bogus = try await cluster.pgwarden(node: 3, ["node", "service", "--action=frobnicate"])
        #expect(bogus.exitCode == 1)
        #expect(bogus.stderr.contains("unknown value \"frobnicate\" provided for parameter --action"))

        let dryStop = try await cluster.pgwarden(
            node: 3, ["node", "service", "--action=stop", "--checkpoint", "--dry-run"])
        #expect(dryStop.exitCode == 0)
        #expect(dryStop.stderr.contains("INFO: a CHECKPOINT would be issued here"))
        #expect(dryStop.stderr.contains("INFO: would execute server command \"\(pgCtl) -D \(data) -m fast -w stop\""))
        #expect(node3.isRunning)

        let stop = try await cluster.pgwarden(node: 3, ["node", "service", "--action=stop", "--checkpoint"])
        #expect(stop.exitCode == 0, "\(stop)")
        #expect(stop.stderr.contains("NOTICE: issuing CHECKPOINT on node \"node3\" (ID: 3)"))
        #expect(!node3.isRunning)

        // --- matrix and crosscheck with node3 down: its column "x", its row "?" ------------------
        let oneDown = Self.matrixTable([
            ("node1", 1, "**x*"), ("node2", 2, "**x*"), ("node3", 3, "????"), ("node4", 4, "**x*"),
        ])
        let downMatrix = try await cluster.pgwarden(node: 1, ["cluster", "matrix"])
        #expect(downMatrix.exitCode == 25)
        #expect(downMatrix.stdout == oneDown)
        let downCSV = try await cluster.pgwarden(node: 2, ["cluster", "matrix", "--csv"])
        #expect(downCSV.exitCode == 25)
        #expect(downCSV.stdout.contains("1,3,-1\n"))
        #expect(downCSV.stdout.contains("3,1,-2\n"))
        let downCrosscheck = try await cluster.pgwarden(node: 4, ["cluster", "crosscheck"])
        #expect(downCrosscheck.exitCode == 25)
        #expect(downCrosscheck.stdout == oneDown)
        let fromNode2 = await ConnectivityMatrix.view(from: nodes[1], of: nodes)
        #expect(fromNode2.lines.joined(separator: "\n") + "\n" == oneDown)
        #expect(await ConnectivityMatrix.view(from: nodes[2], of: nodes).cells.joined().allSatisfy { $0 == .unknown })

        let start = try await cluster.pgwarden(node: 3, ["node", "service", "--action=start"])
        #expect(start.exitCode == 0, "\(start)")
        #expect(node3.isRunning)
        _ = try await cluster.waitForClusterShow(timeout: .seconds(30)) {
            $0.exitCode == 0 && $0.stdout.contains(" 3  | node3 | standby |   running | node2 ")
        }
        let reload = try await cluster.pgwarden(node: 3, ["node", "service", "--action=reload"])
        #expect(reload.exitCode == 0, "\(reload)")
        let restart = try await cluster.pgwarden(node: 3, ["node", "service", "--action=restart", "--checkpoint"])
        #expect(restart.exitCode == 0, "\(restart)")
        #expect(node3.isRunning)
        let log = try String(contentsOfFile: data + "/pgwarden-service.log", encoding: .utf8)
        #expect(log.contains("server started"))

        // A failing service command: exit code 5 and what it printed.
        let original = try String(contentsOfFile: cluster.configPath(3), encoding: .utf8)
        let failing = try cluster.sandbox.writeFile(
            "node3-failing.conf", contents: original + "\nservice_reload_command='echo reload refused; exit 3'\n")
        let refused = try await cluster.pgwarden(["-f", failing, "node", "service", "--action=reload"])
        #expect(refused.exitCode == 5)
        #expect(
            refused.stderr.contains(
                "ERROR: unable to execute server command \"echo reload refused; exit 3\" (exit code 3)"))
        #expect(refused.stderr.contains("DETAIL: reload refused\n"))

        // --- witness unregister -----------------------------------------------------------------
        let notWitness = try await cluster.pgwarden(node: 1, ["witness", "unregister", "--node-id=2"])
        #expect(notWitness.exitCode == 1)
        #expect(notWitness.stderr.contains("ERROR: node 2 is not a witness node"))
        let dryUnregister = try await cluster.pgwarden(node: 4, ["witness", "unregister", "--dry-run"])
        #expect(dryUnregister.exitCode == 0, "\(dryUnregister)")
        #expect(dryUnregister.stderr.contains("prerequisites for unregistering the witness node are met"))
        #expect(try primary.psql("SELECT count(*) FROM repmgr.nodes WHERE node_id = 4") == "1")
        let unregistered = try await cluster.pgwarden(node: 4, ["witness", "unregister"])
        #expect(unregistered.exitCode == 0, "\(unregistered)")
        #expect(unregistered.stderr.contains("INFO: witness unregistration complete"))
        #expect(try primary.psql("SELECT count(*) FROM repmgr.nodes WHERE node_id = 4") == "0")
        #expect(try witness.psql(copy) == "1:primary:-,2:standby:1,3:standby:2")
        #expect(
            try primary.psql("SELECT details FROM repmgr.events WHERE event = 'witness_unregister'")
                == "witness unregistration succeeded")
        let again = try await cluster.pgwarden(node: 4, ["witness", "unregister"])
        #expect(again.exitCode == 1)
        #expect(again.stderr.contains("ERROR: no record found for node 4"))

        // Registering again needs --force: the witness still holds the metadata copy.
        let reRegister = try await cluster.pgwarden(node: 4, register)
        #expect(reRegister.exitCode == 1)
        #expect(reRegister.stderr.contains("witness node is already initialised and contains node records"))
        // With the witness down, its record can be removed through the primary given with -h/-p.
        #expect(try await cluster.pgwarden(node: 4, register + ["--force"]).exitCode == 0)
        try witness.stop()
        let viaPrimary = try await cluster.pgwarden(
            node: 4, ["-h", "127.0.0.1", "-p", String(primary.port), "witness", "unregister"])
        #expect(viaPrimary.exitCode == 0, "\(viaPrimary)")
        #expect(viaPrimary.stderr.contains("removing node record on cluster primary only"))
        #expect(try primary.psql("SELECT count(*) FROM repmgr.nodes WHERE node_id = 4") == "0")
    }

    @Test("event_notification_command gets repmgr's placeholders, and hostile node names run nothing")
    func notificationsWithHostileNames() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        // pgwarden runs in the sandbox, so a command that got through would create <sandbox>/pwned.
        // (Node names are limited to 63 characters.)
        let marker = cluster.sandbox.subpath("pwned")
        let primaryName = "evil'; touch pwned; ' $(touch pwned) `touch pwned`"
        let witnessName = "witness'; touch pwned; echo '"
        // A name with a control character is refused at registration (issue 18, finding 4).
        let refusedWitnessName = "witness\n'; touch pwned; echo '"

        // A primary whose node name is hostile, registered with pgwarden itself.
        let primary = try PostgresServer.startPrimary(in: cluster.sandbox, name: "node1")
        let bindir = try PostgresBinaries.bindir()
        let primaryConfig = try cluster.sandbox.writeFile(
            "node1.conf",
            contents: """
                node_id=1
                node_name="\(primaryName)"
                conninfo='host=127.0.0.1 port=\(primary.port) user=repmgr dbname=repmgr connect_timeout=2'
                data_directory='\(primary.dataDirectory)'
                pg_bindir='\(bindir)'
                """)
        let registered = try await cluster.pgwarden(["-f", primaryConfig, "primary", "register"])
        #expect(registered.exitCode == 0, "\(registered)")

        // The notification script records every argument it receives, NUL-terminated, one file per event.
        let notify = try cluster.sandbox.writeFile(
            "bin/notify.sh",
            contents: """
                #!/bin/sh
                for a in "$@"; do printf '%s\\0' "$a"; done > "\(cluster.sandbox.path)/notify-$2.out"
                """, mode: 0o755)
        let witness = try PostgresServer.startPrimary(in: cluster.sandbox, name: "witness")
        func writeWitnessConfig(name: String) throws -> String {
            let escapedName = name.replacingOccurrences(of: "\n", with: "\\n")
            return try cluster.sandbox.writeFile(
                "node4.conf",
                contents: """
                    node_id=4
                    node_name='\(escapedName.replacingOccurrences(of: "'", with: "''"))'
                    conninfo='host=127.0.0.1 port=\(witness.port) user=repmgr dbname=repmgr connect_timeout=2'
                    data_directory='\(witness.dataDirectory)'
                    pg_bindir='\(bindir)'
                    event_notification_command='\(notify) %n %e %s "%t" "%d" %p %c %a'
                    event_notifications='cluster_created,witness_register,witness_unregister'
                    notification_timeout=10
                    """)
        }
        let refused = try await cluster.pgwarden(
            ["-f", try writeWitnessConfig(name: refusedWitnessName)] + Self.registerArguments(primaryPort: primary.port)
        )
        #expect(refused.exitCode == 1, "\(refused)")
        #expect(refused.stderr.contains("contains a control character (U+000A)"), "\(refused)")
        let witnessConfig = try writeWitnessConfig(name: witnessName)
        let register = try await cluster.pgwarden(
            ["-f", witnessConfig] + Self.registerArguments(primaryPort: primary.port))
        #expect(register.exitCode == 0, "\(register)")
        #expect(register.stderr.contains("INFO: executing notification command for event \"cluster_created\""))
        #expect(register.stderr.contains("INFO: executing notification command for event \"witness_register\""))
        #expect(!register.stderr.contains("WARNING"))

        func arguments(_ event: String) throws -> [String] {
            let data = try Data(contentsOf: URL(fileURLWithPath: cluster.sandbox.subpath("notify-\(event).out")))
            return data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        let timestamp = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}(:\d{2})?/
        let created = try arguments("cluster_created")
        #expect(created.count == 8)
        #expect(Array(created.prefix(3)) == ["4", "cluster_created", "1"])
        #expect(created.count == 8 && Array(created.suffix(4)) == ["", "", "", ""])

        let witnessRegister = try arguments("witness_register")
        #expect(witnessRegister.count == 8, "\(witnessRegister)")
        if witnessRegister.count == 8 {
            #expect(Array(witnessRegister.prefix(3)) == ["4", "witness_register", "1"])
            #expect(witnessRegister[3].wholeMatch(of: timestamp) != nil, "\(witnessRegister[3])")
            #expect(witnessRegister[4] == "witness registration succeeded; upstream node ID is 1")
            #expect(witnessRegister[5] == "1")
            #expect(witnessRegister[6] == primary.conninfo)
            #expect(witnessRegister[7] == primaryName)
        }
        let stored = try primary.psql("SELECT node_name FROM repmgr.nodes WHERE node_id = 4")
        #expect(stored == witnessName)

        let unregister = try await cluster.pgwarden(["-f", witnessConfig, "witness", "unregister"])
        #expect(unregister.exitCode == 0, "\(unregister)")
        let witnessUnregister = try arguments("witness_unregister")
        #expect(
            Array(witnessUnregister.prefix(5).enumerated().filter { $0.offset != 3 }.map(\.element)) == [
                "4", "witness_unregister", "1", "witness unregistration succeeded",
            ])
        #expect(!FileManager.default.fileExists(atPath: marker), "a hostile node name ran a command")
        try witness.stop()
        try primary.stop()
    }
}
