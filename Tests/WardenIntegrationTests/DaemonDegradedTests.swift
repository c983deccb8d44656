import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Degraded monitoring on real servers: a standby whose primary is gone and which may not fail over
/// (`failover=manual`) keeps monitoring in degraded mode, and with `degraded_monitoring_timeout` set its
/// daemon terminates once that time has passed. repmgr 5.3 (repmgrd-physical.c): log NOTICE
/// "degraded monitoring timeout (N seconds) exceeded, terminating", the same text as the details of a
/// `repmgrd_shutdown` event notification, exit code ERR_MONITORING_TIMEOUT (9), PID file removed.
@Suite("Daemon degraded monitoring", .serialized)
struct DaemonDegradedTests {
    @Test("degraded_monitoring_timeout: a standby that cannot fail over terminates after the timeout")
    func degradedMonitoringTimeout() async throws {
        let notifications = "/tmp/pgwarden-notify-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: notifications) }
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        let standby = try cluster.server(2)
        let pidFile = cluster.sandbox.subpath("daemon2.pid")
        try cluster.writeConfig(
            2, port: standby.port, dataDirectory: standby.dataDirectory,
            extra: """
                failover=manual
                reconnect_attempts=2
                reconnect_interval=1
                monitor_interval_secs=1
                degraded_monitoring_timeout=3
                repmgrd_pid_file='\(pidFile)'
                event_notification_command='echo %n %e %d >> \(notifications)'
                """)
        let daemon = try BackgroundProcess(
            [cluster.binary, "-f", cluster.configPath(2), "daemon", "run"], asUser: cluster.sandbox.serverUser.name,
            environment: ["TMPDIR": cluster.sandbox.path], workingDirectory: cluster.sandbox.path,
            outputPath: cluster.sandbox.subpath("daemon2.log"))
        defer { _ = daemon.terminate() }
        func events() -> String { (try? String(contentsOfFile: notifications, encoding: .utf8)) ?? "" }

        try await Polling.until("node2's daemon to monitor its upstream", timeout: .seconds(30)) {
            (try? cluster.server(1).psql("SELECT state FROM repmgr.pgwarden_daemon WHERE node_id = 2")) == "monitoring"
        }
        #expect(FileManager.default.fileExists(atPath: pidFile))

        try cluster.server(1).kill9()
        let killed = ContinuousClock.now
        do {
            try await Polling.until("standby_disconnect_manual", timeout: .seconds(20)) {
                events().contains("2 standby_disconnect_manual")
            }
        } catch {
            Issue.record("daemon output:\n\(daemon.output())\nevents:\n\(events())")
            throw error
        }
        let degradedAt = ContinuousClock.now
        #expect(daemon.isRunning, "the daemon must stay in degraded monitoring until the timeout")

        let exitCode = daemon.waitForExit(timeout: .seconds(20))
        let exitedAt = ContinuousClock.now
        let output = daemon.output()
        try #require(exitCode != nil, "the daemon did not exit after degraded_monitoring_timeout:\n\(output)")
        // It stays degraded for the timeout (3 s) and leaves soon after, not at once and not much later.
        #expect(exitedAt - degradedAt >= .seconds(2), "exited too early: \(exitedAt - degradedAt)\n\(output)")
        #expect(exitedAt - killed <= .seconds(15), "exited too late: \(exitedAt - killed)\n\(output)")
        #expect(output.contains("degraded monitoring timeout (3 seconds) exceeded"), "\(output)")
        #expect(standby.isRunning, "the daemon must not touch its server when it terminates")

        // repmgr's semantics: ERR_MONITORING_TIMEOUT, a repmgrd_shutdown event naming the timeout, no PID file.
        #expect(exitCode == 9, "\(output)")
        try await Polling.until("the repmgrd_shutdown notification", timeout: .seconds(5)) {
            events().contains("2 repmgrd_shutdown degraded monitoring timeout")
        }
        #expect(!FileManager.default.fileExists(atPath: pidFile), "\(pidFile) is left behind")
    }
}
