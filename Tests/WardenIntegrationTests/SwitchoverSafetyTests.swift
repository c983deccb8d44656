import Foundation
import Testing

@testable import WardenEngine

#if canImport(Glibc)
    import Glibc
#endif

/// A switchover that cannot strand the cluster, on real PostgreSQL 15 servers: node1 primary,
/// node2 streaming from it.
///
/// The race of issue 17 is made deterministic with strace's fault injection on the real backend
/// that runs the stop request: the return of its `wait4` (pclose waiting for the shell that
/// launched the stop) is held for 2 s, so the fast shutdown that shell started always terminates
/// that session before it can answer ("terminating connection due to administrator command").
/// Once in 76 runs this happened by chance and the switchover hung with both nodes in recovery.
@Suite("Switchover safety", .serialized)
struct SwitchoverSafetyTests {
    /// Collects what an operation reports.
    final class MessageLog: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [OperationMessage] = []

        func append(_ message: OperationMessage) { lock.withLock { messages.append(message) } }
        var text: String { lock.withLock { messages.map(\.text).joined(separator: "\n") } }
    }

    /// The first of an operation's outcome and a deadline. Unlike a task group it returns at the
    /// deadline even when the operation is stuck in a blocking call that cannot be cancelled.
    final class FirstOutcome: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Result<Void, WardenError>?, Never>?

        static func within(
            _ limit: Duration, _ body: @escaping @Sendable () async throws(WardenError) -> Void
        ) async -> Result<Void, WardenError>? {
            let race = FirstOutcome()
            return await withCheckedContinuation { continuation in
                race.lock.withLock { race.continuation = continuation }
                Task {
                    do throws(WardenError) {
                        try await body()
                        race.finish(.success(()))
                    } catch {
                        race.finish(.failure(error))
                    }
                }
                Task {
                    try? await Task.sleep(for: limit)
                    race.finish(nil)
                }
            }
        }

        private func finish(_ outcome: Result<Void, WardenError>?) {
            let waiting = lock.withLock {
                let waiting = continuation
                continuation = nil
                return waiting
            }
            waiting?.resume(returning: outcome)
        }
    }

    static func strace() throws -> String {
        for candidate in ["/usr/bin/strace", "/bin/strace"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw HarnessError("this test needs strace (apt-get install strace) to hold the stop request's backend")
    }

    /// The PID of the process tracing `pid`, 0 when none.
    static func tracer(of pid: Int) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("TracerPid:") })
        else { return 0 }
        return Int(line.dropFirst("TracerPid:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }

    @Test(
        "the stop request's session is terminated by the shutdown it asked for; the switchover still completes within shutdown_check_timeout"
    )
    func terminatedStopRequest() async throws {
        let strace = try Self.strace()
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        let node1 = try cluster.server(1)
        let node2 = try cluster.server(2)
        try cluster.writeConfig(
            2, port: node2.port, dataDirectory: node2.dataDirectory,
            extra: "shutdown_check_timeout=20\nwal_receive_check_timeout=10\npromote_check_timeout=10")
        let (configuration, _) = try ConfigurationLoader.load(path: cluster.configPath(2))
        let messages = MessageLog()
        let switchover = StandbySwitchover(
            configuration: configuration, siblingsFollow: false, forceRewind: false, alwaysPromote: false,
            force: false)
        let prepared = try await switchover.prepare(report: { messages.append($0) })
        try prepared.plan.requireSuccess()

        // Hold the stop request's backend: its next wait4 (pclose of the launching shell) returns 2 s late.
        let backend = try #require(
            try await prepared.primary.connection.query("SELECT pg_catalog.pg_backend_pid() AS pid").first?.int("pid"))
        let straceLog = cluster.sandbox.subpath("strace.out")
        let tracer = try ProcessRunner.spawn(
            [strace, "-p", String(backend), "-e", "trace=wait4", "-e", "inject=wait4:delay_exit=2s"],
            asUser: cluster.sandbox.serverUser.name, outputPath: straceLog)
        defer {
            if ProcessTable.isAlive(tracer) { kill(tracer, SIGTERM) }
            var status: Int32 = 0
            waitpid(tracer, &status, 0)
        }
        try Polling.until("strace to attach to backend \(backend)", timeout: .seconds(10)) {
            Self.tracer(of: backend) != 0
        }

        let started = ContinuousClock.now
        let outcome = await FirstOutcome.within(.seconds(60)) { () async throws(WardenError) -> Void in
            try await switchover.run(prepared, report: { messages.append($0) })
        }
        let elapsed = ContinuousClock.now - started
        let serverLog = (try? String(contentsOfFile: node1.logFile, encoding: .utf8)) ?? ""
        let trace = (try? String(contentsOfFile: straceLog, encoding: .utf8)) ?? ""

        // The race really happened: the backend that ran the DO block was terminated by the shutdown.
        #expect(
            serverLog.contains("FATAL:  terminating connection due to administrator command"),
            "node1's log:\n\(node1.logTail(lines: 30))\nstrace:\n\(trace)")
        #expect(trace.contains("(DELAYED)"), "strace:\n\(trace)")

        let finished = try #require(
            outcome, "the switchover did not return within 60 s (shutdown_check_timeout is 20 s):\n\(messages.text)")
        if case .failure(let error) = finished {
            Issue.record("the switchover failed: \(error)\n\(messages.text)")
        }
        #expect(elapsed < .seconds(20), "took \(elapsed)")
        #expect(messages.text.contains("to stop was ended"), "\(messages.text)")

        // One writable primary: node2; node1 is back as its standby.
        #expect(try node2.psql("SELECT pg_is_in_recovery()").hasPrefix("f"))
        try Polling.until("node1 to stream from node2", timeout: .seconds(30)) {
            (try? node2.psql(
                "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'node1' AND state = 'streaming'"))?
                .hasPrefix("1") == true
        }
        #expect(try node1.psql("SELECT pg_is_in_recovery()").hasPrefix("t"))
    }

    @Test(
        "a candidate that cannot receive the old primary's last WAL: the old primary is promoted back, writable, exit 18"
    )
    func oldPrimaryPutBack() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        let node1 = try cluster.server(1)
        let node2 = try cluster.server(2)
        // node1's WAL sender gives up on a silent receiver after 2 s, so its shutdown can finish.
        try node1.applyHarnessSettings(["wal_sender_timeout": "2s"])
        _ = try node1.psql("SELECT pg_reload_conf()")
        try cluster.writeConfig(
            2, port: node2.port, dataDirectory: node2.dataDirectory,
            extra: "shutdown_check_timeout=30\nwal_receive_check_timeout=3\npromote_check_timeout=10")
        _ = try node1.psql("CREATE TABLE before_switchover(i int); INSERT INTO before_switchover VALUES (1)")
        try Polling.until("node2 to replay the table", timeout: .seconds(20)) {
            (try? node2.psql("SELECT count(*) FROM before_switchover"))?.hasPrefix("1") == true
        }

        // Freeze node2's WAL receiver: it still looks like it streams, but receives nothing more.
        let receiver = try #require(pid_t(try node2.psql("SELECT pid FROM pg_stat_wal_receiver")))
        _ = try await ProcessRunner.run(["kill", "-STOP", String(receiver)], asUser: cluster.sandbox.serverUser.name)
            .check()
        defer {
            _ = try? ProcessRunner.run(["kill", "-CONT", String(receiver)], asUser: cluster.sandbox.serverUser.name)
        }

        let result = try await cluster.pgwarden(node: 2, ["standby", "switchover"])
        #expect(result.exitCode == 18, "\(result)")
        #expect(result.stderr.contains("did not receive the old primary's final WAL"), "\(result)")
        #expect(result.stderr.contains("is the primary again and accepts writes"), "\(result)")
        // node1 accepts writes again; node2 was never promoted.
        _ = try node1.psql("INSERT INTO before_switchover VALUES (2)")
        #expect(try node1.psql("SELECT pg_is_in_recovery()").hasPrefix("f"))
        #expect(try node2.psql("SELECT pg_is_in_recovery()").hasPrefix("t"))
    }

    @Test(
        "an old primary that stops only after shutdown_check_timeout: exit 18, and the late stop brings it back as the primary, not as a standby"
    )
    func lateStopComesBackPrimary() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        let node1 = try cluster.server(1)
        let node2 = try cluster.server(2)
        // node1 stops 4 s after it is asked to; the candidate waits 1 s.
        let pgCtl = try PostgresBinaries.bindir() + "/pg_ctl"
        try cluster.writeConfig(
            1, port: node1.port, dataDirectory: node1.dataDirectory,
            extra: "service_stop_command='sleep 4 && \(pgCtl) -D \(node1.dataDirectory) -m fast -w stop'")
        try cluster.writeConfig(
            2, port: node2.port, dataDirectory: node2.dataDirectory, extra: "shutdown_check_timeout=1")
        let startedBefore = try node1.psql("SELECT pg_postmaster_start_time()")

        let result = try await cluster.pgwarden(node: 2, ["standby", "switchover"])
        #expect(result.exitCode == 18, "\(result)")
        #expect(result.stderr.contains("did not shut down within shutdown_check_timeout (1 s)"), "\(result)")
        #expect(result.stderr.contains("is still the primary and accepts writes"), "\(result)")
        #expect(result.stderr.contains("return as a standby was called off"), "\(result)")

        // The stop does happen, late; node1 restarts as the primary it was, and node2 was never promoted.
        try await Polling.until("node1 to restart after its late stop", timeout: .seconds(60)) {
            guard let started = try? node1.psql("SELECT pg_postmaster_start_time()") else { return false }
            return started != startedBefore
        }
        #expect(try node1.psql("SELECT pg_is_in_recovery()").hasPrefix("f"))
        _ = try node1.psql("CREATE TABLE after_late_stop(i int); INSERT INTO after_late_stop VALUES (1)")
        #expect(try node2.psql("SELECT pg_is_in_recovery()").hasPrefix("t"))
    }
}
