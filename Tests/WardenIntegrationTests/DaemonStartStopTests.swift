import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `pgwarden daemon start` / `daemon stop` on a real cluster: start runs `daemon run` in the background, in
/// its own session, with its PID in `repmgrd_pid_file`; stop sends SIGTERM, the daemon records
/// `repmgrd_shutdown` and removes its PID file. Both report errors with repmgr's ERR_REPMGRD_SERVICE (27).
@Suite("Daemon start and stop", .serialized)
struct DaemonStartStopTests {
    /// Node 2's row in `daemon status`: the table's columns, trimmed.
    static func statusRow(_ output: String, node: Int) -> [String]? {
        output.split(separator: "\n").map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
            .first { $0.count >= 7 && $0[0] == String(node) }
    }

    @Test("daemon start backgrounds the daemon with a PID file; daemon stop ends it with repmgrd_shutdown")
    func startAndStop() async throws {
        let notifications = "/tmp/pgwarden-notify-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: notifications) }
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        let standby = try cluster.server(2)
        let pidFile = cluster.sandbox.subpath("daemon2.pid")
        let logFile = cluster.sandbox.subpath("daemon2.log")
        try cluster.writeConfig(
            2, port: standby.port, dataDirectory: standby.dataDirectory,
            extra: """
                failover=automatic
                monitor_interval_secs=1
                repmgrd_pid_file='\(pidFile)'
                log_file='\(logFile)'
                event_notification_command='echo %n %e >> \(notifications)'
                """)
        let environment = ["TMPDIR": cluster.sandbox.path]
        func daemon(_ action: String) async throws -> CommandResult {
            try await cluster.pgwarden(["-f", cluster.configPath(2), "daemon", action], environment: environment)
        }
        func log() -> String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "(no \(logFile))" }
        func events() -> String { (try? String(contentsOfFile: notifications, encoding: .utf8)) ?? "" }

        let start = try await daemon("start")
        #expect(start.exitCode == 0, "\(start)")
        let text = try #require(try? String(contentsOfFile: pidFile, encoding: .utf8), "no PID file\n\(start)")
        let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), "PID file: \(text)")
        // Not a child of this test: make sure it dies even if the test fails before `daemon stop`.
        ServerRegistry.shared.registerProcess(pid)
        defer {
            if ProcessTable.isAlive(pid) { kill(pid, SIGKILL) }
            ServerRegistry.shared.unregisterProcess(pid)
        }
        #expect(start.stderr.contains("pgwarden daemon started (PID \(pid))"), "\(start)")
        #expect(ProcessTable.isAlive(pid))
        #expect(ProcessTable.commandLine(of: pid).suffix(4) == ["daemon", "run", "-f", cluster.configPath(2)])
        // Backgrounded: `daemon start` has returned, and the daemon leads a session of its own.
        #expect(getsid(pid) == pid, "the daemon is not in its own session")

        do {
            try await Polling.until("daemon status to show node2's daemon running", timeout: .seconds(20)) {
                let status = try await cluster.pgwarden(node: 1, ["daemon", "status"])
                guard let row = Self.statusRow(status.stdout, node: 2) else { return false }
                return row[5] == "running" && row[6] == String(pid)
            }
        } catch {
            Issue.record("daemon log:\n\(log())")
            throw error
        }
        try await Polling.until("the repmgrd_start event", timeout: .seconds(10)) {
            (try? cluster.server(1).psql(
                "SELECT count(*) FROM repmgr.events WHERE node_id = 2 AND event = 'repmgrd_start'")) == "1"
        }

        // node check --repmgrd: running; then stalled (SIGSTOP), seen by its status file's age; then running again.
        func check() async throws -> CommandResult {
            try await cluster.pgwarden(
                ["-f", cluster.configPath(2), "node", "check", "--repmgrd"], environment: environment)
        }
        let running = try await check()
        #expect(running.exitCode == 0 && running.stdout.contains("OK (repmgrd running)"), "\(running)")
        kill(pid, SIGSTOP)
        try await Polling.until("node check to report the stopped daemon", timeout: .seconds(15)) {
            let stalled = try await check()
            return stalled.exitCode == 2
                && stalled.stdout.contains("CRITICAL (repmgrd running (PID \(pid)) but has not reported for")
        }
        kill(pid, SIGCONT)
        try await Polling.until("node check to report the daemon running again", timeout: .seconds(15)) {
            try await check().stdout.contains("OK (repmgrd running)")
        }

        let again = try await daemon("start")
        #expect(again.exitCode == 27, "a second start must fail with ERR_REPMGRD_SERVICE\n\(again)")
        #expect(again.stderr.contains("already running (PID \(pid))"), "\(again)")

        let stop = try await daemon("stop")
        #expect(stop.exitCode == 0, "\(stop)")
        #expect(stop.stderr.contains("pgwarden daemon stopped"), "\(stop)")
        #expect(!ProcessTable.isAlive(pid), "the daemon still runs after daemon stop")
        #expect(!FileManager.default.fileExists(atPath: pidFile), "the PID file is left behind")
        #expect(log().contains("pgwarden daemon shut down"), "\(log())")
        try await Polling.until("the repmgrd_shutdown event", timeout: .seconds(5)) {
            events().contains("2 repmgrd_shutdown")
                && (try? cluster.server(1).psql(
                    "SELECT count(*) FROM repmgr.events WHERE node_id = 2 AND event = 'repmgrd_shutdown'")) == "1"
        }
        let status = try await cluster.pgwarden(node: 1, ["daemon", "status"])
        #expect(Self.statusRow(status.stdout, node: 2)?[5] == "not running", "\(status)")
        #expect(standby.isRunning, "daemon stop must leave the server alone")

        let notRunning = try await check()
        #expect(
            notRunning.exitCode == 2 && notRunning.stdout.contains("CRITICAL (repmgrd not running)"), "\(notRunning)")

        let stopAgain = try await daemon("stop")
        #expect(stopAgain.exitCode == 27, "stopping a stopped daemon must fail with ERR_REPMGRD_SERVICE\n\(stopAgain)")
        #expect(stopAgain.stderr.contains("no pgwarden daemon is running for node 2"), "\(stopAgain)")
    }
}
