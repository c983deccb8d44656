import Foundation
import Testing

/// Bad input against real servers: each case gets one clear message, repmgr's exit code, and
/// leaves no partial state behind.
@Suite("Bad input", .serialized)
struct BadInputTests {
    @Test("configuration, connection and registration mistakes")
    func mistakes() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }

        // No configuration at all.
        let noConfig = try await cluster.pgwarden(["cluster", "show"])
        #expect(noConfig.exitCode == 1)
        #expect(noConfig.stderr.contains("no node information was found - please supply a configuration file"))

        // Missing file, missing key, bad value, bad conninfo.
        let missing = try await cluster.pgwarden(["-f", cluster.sandbox.subpath("nope.conf"), "cluster", "show"])
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.contains("nope.conf\" not found"))
        let noNodeID = try cluster.sandbox.writeFile(
            "no_id.conf", contents: "node_name='x'\nconninfo='host=127.0.0.1'\ndata_directory='/tmp/x'\n")
        let noID = try await cluster.pgwarden(["-f", noNodeID, "cluster", "show"])
        #expect(noID.exitCode == 1)
        #expect(noID.stderr.contains("\"node_id\": required parameter was not found"))
        let badValue = try cluster.sandbox.writeFile(
            "bad_id.conf",
            contents: "node_id=abc\nnode_name='x'\nconninfo='host=127.0.0.1'\ndata_directory='/tmp/x'\n")
        let bad = try await cluster.pgwarden(["-f", badValue, "cluster", "show"])
        #expect(bad.exitCode == 1)
        #expect(bad.stderr.contains("\"node_id\": invalid value (provided: \"abc\")"))
        let badConninfo = try cluster.sandbox.writeFile(
            "bad_conninfo.conf",
            contents:
                "node_id=1\nnode_name='x'\nconninfo='host=127.0.0.1 portx=5503 password=hunter2'\ndata_directory='/tmp/x'\n"
        )
        let conninfo = try await cluster.pgwarden(["-f", badConninfo, "cluster", "show"])
        #expect(conninfo.exitCode == 1)
        #expect(conninfo.stderr.contains("invalid connection option \"portx\""))
        #expect(!conninfo.output.contains("hunter2"))
        let malformed = try cluster.sandbox.writeFile(
            "malformed.conf", contents: "node_id=1\nthis line has no equals\n")
        let syntax = try await cluster.pgwarden(["-f", malformed, "cluster", "show"])
        #expect(syntax.exitCode == 1)
        #expect(syntax.stderr.contains("line 2"))

        // A conninfo on the command line that libpq rejects; an unknown command.
        let bogus = try await cluster.pgwarden(["-d", "host=127.0.0.1 bogus=1", "cluster", "show"])
        #expect(bogus.exitCode == 1)
        #expect(bogus.stderr.contains("invalid connection option \"bogus\""))
        let unknown = try await cluster.pgwarden(["cluster", "frobnicate"])
        #expect(unknown.exitCode == 1)

        // A server that is down.
        let primary = try PostgresServer.startPrimary(in: cluster.sandbox, name: "node1")
        try cluster.writeConfig(1, port: primary.port, dataDirectory: primary.dataDirectory)
        try primary.stop()
        let down = try await cluster.pgwarden(node: 1, ["cluster", "show"])
        #expect(down.exitCode == 6)
        #expect(down.stderr.contains("ERROR: connection to database failed"))
        try primary.start()

        // Before any primary is registered: cluster show and standby register explain what to do.
        let empty = try await cluster.pgwarden(node: 1, ["cluster", "show"])
        #expect(empty.exitCode == 1)
        #expect(empty.stderr.contains("pgwarden primary register"))

        // Register twice.
        _ = try await cluster.pgwarden(node: 1, ["primary", "register"]).check()
        let twice = try await cluster.pgwarden(node: 1, ["primary", "register"])
        #expect(twice.exitCode == 1)
        #expect(twice.stderr.contains("this node is already registered"))
        #expect(twice.stderr.contains("-F/--force"))
        let forced = try await cluster.pgwarden(node: 1, ["primary", "register", "--force"])
        #expect(forced.exitCode == 0)
        let count = try primary.psql("SELECT count(*) FROM repmgr.nodes")
        #expect(count.trimmingCharacters(in: .whitespacesAndNewlines) == "1")

        // Dry run changes nothing.
        _ = try primary.psql("DELETE FROM repmgr.nodes")
        let dry = try await cluster.pgwarden(node: 1, ["primary", "register", "--dry-run"])
        #expect(dry.exitCode == 0)
        #expect(try primary.psql("SELECT count(*) FROM repmgr.nodes").hasPrefix("0"))
        _ = try await cluster.pgwarden(node: 1, ["primary", "register"]).check()

        // Cloning into a non-empty directory, and as root.
        let standby = try PostgresServer(sandbox: cluster.sandbox, name: "node2")
        try cluster.writeConfig(2, port: standby.port, dataDirectory: standby.dataDirectory)
        _ = try cluster.sandbox.makeDirectory("node2/data", mode: 0o700)
        _ = try cluster.sandbox.writeFile("node2/data/precious.txt", contents: "keep me")
        let upstream = ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "repmgr", "-d", "repmgr"]
        let nonEmpty = try await cluster.pgwarden(node: 2, upstream + ["standby", "clone"])
        #expect(nonEmpty.exitCode == 1)
        #expect(nonEmpty.stderr.contains("exists and is not empty"))
        #expect(FileManager.default.fileExists(atPath: standby.dataDirectory + "/precious.txt"))
        let asRoot = try await ProcessRunner.run(
            [cluster.binary, "-f", cluster.configPath(2)] + upstream + ["standby", "clone"])
        #expect(asRoot.exitCode == 1)
        #expect(asRoot.stderr.contains("must not be run as root"))

        // A clone that fails half-way leaves no data directory behind and drops its slot.
        try FileManager.default.removeItem(atPath: standby.dataDirectory)
        try cluster.writeConfig(
            2, port: standby.port, dataDirectory: standby.dataDirectory,
            extra: "pg_basebackup_options='--no-such-option'")
        let failedClone = try await cluster.pgwarden(node: 2, upstream + ["standby", "clone"])
        #expect(failedClone.exitCode == 14)
        #expect(failedClone.stderr.contains("unable to take a base backup"))
        #expect(!FileManager.default.fileExists(atPath: standby.dataDirectory))
        #expect(!FileManager.default.fileExists(atPath: standby.dataDirectory + ".pgwarden-clone"))
        #expect(try primary.psql("SELECT count(*) FROM pg_replication_slots").hasPrefix("0"))

        // Registering a standby that is really a primary, and a standby register on a node with no metadata.
        let notStandby = try await cluster.pgwarden(node: 1, ["standby", "register"])
        #expect(notStandby.exitCode == 1)
        #expect(notStandby.stderr.contains("not a standby"))
        let orphan = try PostgresServer.startPrimary(in: cluster.sandbox, name: "node9")
        try cluster.writeConfig(9, port: orphan.port, dataDirectory: orphan.dataDirectory)
        let orphanShow = try await cluster.pgwarden(node: 9, ["cluster", "show"])
        #expect(orphanShow.exitCode == 1)
        #expect(orphanShow.stderr.contains("metadata schema was not found"))

        // Unknown node IDs.
        let unregister = try await cluster.pgwarden(node: 1, ["standby", "unregister", "--node-id=99"])
        #expect(unregister.exitCode == 1)
        #expect(unregister.stderr.contains("node 99 (specified with --node-id) not found"))
        let primaryUnregister = try await cluster.pgwarden(node: 1, ["primary", "unregister", "--node-id=99"])
        #expect(primaryUnregister.exitCode == 1)
        let runningPrimary = try await cluster.pgwarden(node: 1, ["primary", "unregister"])
        #expect(runningPrimary.exitCode == 1)
        #expect(runningPrimary.stderr.contains("running primary"))
    }
}
