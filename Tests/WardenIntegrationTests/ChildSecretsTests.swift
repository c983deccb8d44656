import Foundation
import Testing

/// Issue 18, finding 3, as it was seen: `pg_basebackup --dbname=... password=...` during `standby clone
/// -d '... password=...'` (and in its `--dry-run` output), `pg_rewind --source-server=... password=...`
/// during `node rejoin --force-rewind`, and notifications run under `env PGWARDEN_...=...`, all readable
/// by every local user in `ps`. pgwarden runs under `strace -f -e trace=execve`, which records every
/// child's argv (not its environment); the password may appear in none, and the children must still
/// authenticate with it (the role below needs a password: `scram-sha-256`).
@Suite("Secrets out of child command lines", .serialized)
struct ChildSecretsTests {
    /// Contains `:` and `\`, which a passfile line must escape.
    static let password = #"Pw:s3cr3t\x"#
    static let secretPart = "s3cr3t"

    /// `host=... user=cloner password=...` for `server`, the password quoted for libpq.
    static func clonerConninfo(_ server: PostgresServer) -> String {
        "host=127.0.0.1 port=\(server.port) user=cloner dbname=repmgr connect_timeout=2 password='Pw:s3cr3t\\\\x'"
    }

    /// Lets `cloner` in only with its password, for normal and replication connections.
    static func requirePassword(on server: PostgresServer) throws {
        let path = server.dataDirectory + "/pg_hba.conf"
        let existing = try String(contentsOfFile: path, encoding: .utf8)
        let rules = """
            host    all          cloner   127.0.0.1/32   scram-sha-256
            host    replication  cloner   127.0.0.1/32   scram-sha-256

            """
        try (rules + existing).write(toFile: path, atomically: false, encoding: .utf8)
        _ = try server.psql("SELECT pg_reload_conf()")
    }

    /// Runs pgwarden for node N under `strace -f -e trace=execve` until pgwarden itself exits (strace
    /// would wait for a server pgwarden started, too; it is told to detach then). Returns pgwarden's exit
    /// status, its output, and the trace of its children (pgwarden's own argv, which holds the `-d` it was
    /// given, is left out).
    static func traced(
        _ cluster: PgwardenCluster, node: Int, _ arguments: [String]
    ) throws -> (exitCode: Int32?, output: String, trace: String) {
        let strace = try SwitchoverSafetyTests.strace()
        let name = UUID().uuidString
        let log = cluster.sandbox.subpath("execve-\(name).trace")
        let tracer = try BackgroundProcess(
            [
                strace, "-f", "-e", "trace=execve", "-s", "65535", "-o", log, cluster.binary, "-f",
                cluster.configPath(node),
            ] + arguments,
            asUser: cluster.sandbox.serverUser.name, workingDirectory: cluster.sandbox.path,
            outputPath: cluster.sandbox.subpath("execve-\(name).out"))
        defer { tracer.kill() }
        var exitCode: Int32?
        try Polling.until("pgwarden under strace to exit", timeout: .seconds(180)) {
            let trace = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            // strace pads the PID column (`1077  +++ exited with 0 +++`), so fields are split on runs of blanks.
            let lines = trace.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            guard let pid = lines.first?.first,
                let exited = lines.first(where: {
                    $0.count >= 5 && $0[0] == pid && $0[1...3] == ["+++", "exited", "with"]
                })
            else { return false }
            exitCode = Int32(exited[4])
            return true
        }
        tracer.send(SIGTERM)
        _ = tracer.waitForExit(timeout: .seconds(10))
        let trace = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let children = trace.split(separator: "\n").filter { !$0.contains("execve(\"\(cluster.binary)\"") }
        return (exitCode, tracer.output(), children.joined(separator: "\n"))
    }

    @Test("standby clone, its dry run, its notification and node rejoin --force-rewind put no password on argv")
    func noPasswordOnArgv() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        let primary = try cluster.server(1)
        _ = try primary.psql(
            "CREATE ROLE cloner LOGIN SUPERUSER REPLICATION PASSWORD '\(Self.password)'")
        try Self.requirePassword(on: primary)

        let standby = try PostgresServer(sandbox: cluster.sandbox, name: "node2")
        cluster.adopt(standby, as: 2)
        try cluster.writeConfig(
            2, port: standby.port, dataDirectory: standby.dataDirectory,
            extra: "event_notification_command='/bin/true %n \"%d\"'")
        let clone = ["-d", Self.clonerConninfo(primary), "standby", "clone", "--fast-checkpoint"]

        // Without the password the role cannot connect: the clone below needs it.
        let withoutPassword = try await cluster.pgwarden(
            node: 2, ["-d", "host=127.0.0.1 port=\(primary.port) user=cloner dbname=repmgr", "standby", "clone"])
        #expect(withoutPassword.exitCode != 0, "\(withoutPassword)")

        let dryRun = try await cluster.pgwarden(node: 2, clone + ["--dry-run"])
        #expect(dryRun.exitCode == 0, "\(dryRun)")
        #expect(dryRun.output.contains("pg_basebackup"), "\(dryRun)")
        #expect(!dryRun.output.contains(Self.secretPart), "\(dryRun)")

        let cloned = try Self.traced(cluster, node: 2, clone)
        let cloneTrace = cloned.trace
        #expect(cloned.exitCode == 0, "\(cloned.output)")
        #expect(cloneTrace.contains("pg_basebackup\", [\""), "\(cloneTrace.prefix(2000))")
        #expect(cloneTrace.contains("/bin/sh\", \"-c\", \"/bin/true 2"), "the notification ran: \(cloneTrace)")
        #expect(!cloneTrace.contains("/usr/bin/env"), "\(cloneTrace)")
        #expect(!cloneTrace.contains(Self.secretPart), "\(cloneTrace)")
        #expect(!cloned.output.contains(Self.secretPart), "\(cloned.output)")

        // primary_conninfo has no password either; the standby streams as the trusted superuser.
        let autoConf = standby.dataDirectory + "/postgresql.auto.conf"
        let settings = try String(contentsOfFile: autoConf, encoding: .utf8)
        #expect(settings.contains("user=cloner") && !settings.contains(Self.secretPart), "\(settings)")
        try settings.replacingOccurrences(of: "user=cloner", with: "user=repmgr").write(
            toFile: autoConf, atomically: false, encoding: .utf8)
        try standby.applyHarnessSettings()
        try standby.start()
        try Self.requirePassword(on: standby)
        _ = try await cluster.pgwarden(node: 2, ["standby", "register"]).check()

        // node2 takes over; node1 comes back on its own, writes, and so needs pg_rewind. node2 is
        // registered with the cloner's conninfo, which pg_rewind uses as its source.
        try primary.stop()
        _ = try await cluster.pgwarden(node: 2, ["standby", "promote"]).check()
        try primary.start()
        _ = try primary.psql("CREATE TABLE diverged(i int); INSERT INTO diverged VALUES (1)")
        try primary.stop()
        _ = try standby.psql(
            "UPDATE repmgr.nodes SET conninfo = '\(Self.clonerConninfo(standby).replacingOccurrences(of: "'", with: "''"))' WHERE node_id = 2"
        )
        let source = ["-d", "host=127.0.0.1 port=\(standby.port) user=repmgr dbname=repmgr"]
        let rejoined = try Self.traced(cluster, node: 1, source + ["node", "rejoin", "--force-rewind"])
        let rejoinTrace = rejoined.trace
        #expect(rejoined.exitCode == 0, "\(rejoined.output)")
        #expect(rejoined.output.contains("NODE REJOIN successful"), "\(rejoined.output)")
        #expect(rejoinTrace.contains("pg_rewind\", [\""), "\(rejoinTrace.prefix(2000))")
        #expect(rejoinTrace.contains("--source-server="), "\(rejoinTrace.prefix(2000))")
        #expect(!rejoinTrace.contains(Self.secretPart), "\(rejoinTrace)")
        #expect(try primary.psql("SELECT to_regclass('diverged') IS NULL") == "t")
    }
}
