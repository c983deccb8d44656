import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Proves the integration-test harness itself: process spawning, the sandbox, and real PostgreSQL servers.
@Suite("Harness")
struct HarnessTests {
    @Test("children start with an empty signal mask and can run as the server user")
    func processRunnerBasics() throws {
        let mask = try ProcessRunner.run(["sh", "-c", "grep '^SigBlk' /proc/self/status"]).check()
        #expect(mask.stdout.contains("0000000000000000"), "\(mask.stdout)")

        let user = try SystemUser.serverUser()
        let whoami = try ProcessRunner.run(["id", "-un"], asUser: user.name).check()
        #expect(whoami.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == user.name)

        let failing = try ProcessRunner.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(failing.exitCode == 3)
        #expect(failing.stdout == "out\n")
        #expect(failing.stderr == "err\n")
        #expect(failing.output == "out\nerr\n")
    }

    @Test("a command that outlives its timeout is killed, together with what it forked")
    func processRunnerTimeout() async throws {
        let result = try await ProcessRunner.run(
            ["sh", "-c", "sleep 30 & sleep 30"], timeout: .seconds(1))
        #expect(result.timedOut)
        #expect(result.exitCode == 128 + SIGKILL)
        // Measured on the runner's own thread: the test itself may wait for a busy cooperative pool.
        #expect(result.duration < .seconds(5), "\(result)")
    }

    @Test("a background process run as the server user receives SIGTERM")
    func backgroundProcessTerminates() throws {
        let sandbox = try TestSandbox()
        defer { sandbox.cleanup() }
        let user = sandbox.serverUser.name
        let process = try BackgroundProcess(
            ["sh", "-c", "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done"],
            asUser: user, outputPath: sandbox.subpath("daemon.log"))
        try Polling.until("the script to start", timeout: .seconds(10)) {
            process.output().contains("ready")
        }
        #expect(process.isRunning)
        let code = process.terminate(timeout: .seconds(5))
        #expect(code == 7, "exit code \(String(describing: code))\n\(process.output())")
        #expect(process.output().contains("got TERM"))
        #expect(!process.isRunning)
    }

    @Test("the copied pgwarden binary is executable by the server user")
    func copiedBinaryRuns() throws {
        let sandbox = try TestSandbox()
        defer { sandbox.cleanup() }
        let binary = try sandbox.copyPgwardenBinary()
        #expect(binary.hasPrefix(sandbox.path + "/bin/"))
        let result = try ProcessRunner.run(
            [binary, "--help"], asUser: sandbox.serverUser.name, timeout: .seconds(30))
        #expect(result.exitCode != 126 && result.exitCode != 127, "\(result)")
        #expect(!result.output.contains("error while loading shared libraries"), "\(result)")
        #expect(!result.output.contains("Permission denied"), "\(result)")
    }

    @Test("a primary starts and answers queries through its conninfo")
    func primaryStarts() throws {
        let sandbox = try TestSandbox()
        defer { sandbox.cleanup() }
        let primary = try PostgresServer.startPrimary(in: sandbox)
        #expect(primary.isRunning)
        #expect(try primary.psql("select 1") == "1")
        #expect(try primary.psql("show wal_level") == "replica")
        #expect(try primary.psql("select current_user || ' ' || current_database()") == "repmgr repmgr")
        let viaConninfo = try ProcessRunner.run(
            [
                try PostgresBinaries.path("psql"), "-X", "-At", "-c", "select pg_is_in_recovery()",
                primary.conninfo,
            ],
            asUser: sandbox.serverUser.name
        ).check()
        #expect(viaConninfo.stdout == "f\n")
    }

    @Test("pause() makes new connections time out and resume() restores them")
    func pauseAndResume() throws {
        let sandbox = try TestSandbox()
        defer { sandbox.cleanup() }
        let primary = try PostgresServer.startPrimary(in: sandbox)
        try primary.pause()
        defer { try? primary.resume() }

        let clock = ContinuousClock()
        let started = clock.now
        let attempt = try primary.runPsql("select 1", connectTimeout: 2, timeout: .seconds(30))
        let elapsed = started.duration(to: clock.now)
        #expect(!attempt.succeeded, "\(attempt)")
        #expect(!attempt.timedOut, "psql itself must give up, not the harness: \(attempt)")
        #expect(elapsed >= .milliseconds(1_500) && elapsed < .seconds(10), "took \(elapsed)")
        #expect(primary.isRunning)

        try primary.resume()
        #expect(try primary.psql("select 1") == "1")
    }

    @Test("kill9() leaves no server process behind, and the node restarts after crash recovery")
    func kill9LeavesNothing() throws {
        let sandbox = try TestSandbox()
        defer { sandbox.cleanup() }
        let primary = try PostgresServer.startPrimary(in: sandbox)
        let postmaster = try #require(primary.postmasterPID)
        let children = ProcessTable.children(of: postmaster)
        #expect(!children.isEmpty)

        try primary.kill9()
        #expect(!ProcessTable.isAlive(postmaster))
        #expect(children.allSatisfy { !ProcessTable.isAlive($0) })
        #expect(!primary.isRunning)
        #expect(!PortAllocator.isAcceptingConnections(port: primary.port))

        try primary.start()
        #expect(try primary.psql("select 1") == "1")
        try primary.stop()
    }

    @Test("stop() shuts the server down and start() brings it back on the same port")
    func stopAndRestart() throws {
        let sandbox = try TestSandbox()
        defer { sandbox.cleanup() }
        let primary = try PostgresServer.startPrimary(in: sandbox)
        let postmaster = try #require(primary.postmasterPID)
        try primary.stop()
        #expect(!primary.isRunning)
        #expect(!ProcessTable.isAlive(postmaster))
        #expect(!PortAllocator.isAcceptingConnections(port: primary.port))
        #expect(!FileManager.default.fileExists(atPath: primary.dataDirectory + "/postmaster.pid"))

        try primary.start()
        #expect(try primary.psql("select 1") == "1")
        try primary.stop(mode: .immediate)
        #expect(!primary.isRunning)
    }

    @Test(
        "a standby cloned with pg_basebackup gets its own settings, starts, replicates, and can be adopted"
    )
    func clonedStandbyReplicates() throws {
        let sandbox = try TestSandbox()
        defer { sandbox.cleanup() }
        let primary = try PostgresServer.startPrimary(in: sandbox)
        let standby = try PostgresServer(sandbox: sandbox, name: "node2")
        #expect(standby.port != primary.port)
        // No --checkpoint=fast on purpose: the harness settings must make the default spread checkpoint quick.
        try ProcessRunner.run(
            [
                try PostgresBinaries.path("pg_basebackup"), "-h", PostgresServer.host, "-p",
                String(primary.port), "-U", PostgresServer.superuser, "-D", standby.dataDirectory,
                "-X", "stream", "-R", "--no-sync",
            ],
            asUser: sandbox.serverUser.name, timeout: .seconds(60)
        ).check()
        try standby.applyHarnessSettings()
        let conf = try String(
            contentsOfFile: standby.dataDirectory + "/postgresql.conf", encoding: .utf8)
        #expect(conf.components(separatedBy: "managed block").count == 2, "exactly one harness block")
        #expect(conf.contains("port = '\(standby.port)'"))
        try standby.start()
        #expect(try standby.psql("select pg_is_in_recovery()") == "t")

        _ = try primary.psql("create table harness_check(v int); insert into harness_check values (42)")
        try Polling.until("the row to reach the standby", timeout: .seconds(30)) {
            (try? standby.psql("select v from harness_check")) == "42"
        }

        // The same data directory, described as one created by someone else, on a new port.
        try standby.stop()
        let adopted = try PostgresServer(
            adoptingDataDirectory: standby.dataDirectory, sandbox: sandbox, name: "node2-adopted")
        #expect(adopted.port != standby.port)
        try adopted.start()
        #expect(try adopted.psql("select v from harness_check") == "42")
        #expect(try adopted.psql("select pg_is_in_recovery()") == "t")
        try adopted.stop()
    }

    @Test("cleaning up a sandbox stops its servers and removes the directory")
    func sandboxCleanupStopsServers() throws {
        let sandbox = try TestSandbox()
        let primary = try PostgresServer.startPrimary(in: sandbox)
        let postmaster = try #require(primary.postmasterPID)
        try primary.pause()
        sandbox.cleanup()
        #expect(!ProcessTable.isAlive(postmaster))
        #expect(!FileManager.default.fileExists(atPath: sandbox.path))
    }
}
