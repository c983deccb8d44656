import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `pgwarden demo` end to end: the real binary builds its sandbox cluster (as root it restarts
/// itself as `postgres`), the dashboard shows it, the demo key kills the primary, the daemons fail
/// over, and quitting leaves no process and no directory behind.
@Suite("Demo end to end", .serialized)
struct DemoEndToEndTests {
    /// The row of the nodes pane that shows `name`.
    static func row(_ screen: [String], _ name: String) -> String? {
        screen.first { $0.contains(" \(name) ") && ($0.contains("running") || $0.contains("failed")) }
    }

    static func showsFourRunningNodes(_ screen: [String]) -> Bool {
        guard let node1 = row(screen, "node1"), let node2 = row(screen, "node2"), let node3 = row(screen, "node3"),
            let witness = row(screen, "witness")
        else { return false }
        return node1.contains("primary * running") && node2.contains("standby   running")
            && node3.contains("standby   running") && witness.contains("* running")
    }

    /// PIDs of PostgreSQL servers, pgbouncers and pgwarden processes (the demo, its daemons) whose command
    /// line mentions `directory` (tmux and its shell, which show the demo's command, do not count).
    static func processes(mentioning directory: String) -> [pid_t] {
        ProcessTable.allPIDs().filter { pid in
            let words = ProcessTable.commandLine(of: pid)
            let program = (words.first as NSString?)?.lastPathComponent ?? ""
            return pid != getpid() && ["postgres", "pgbouncer", "pgwarden"].contains(program)
                && ProcessTable.isAlive(pid) && words.contains { $0.contains(directory) }
        }
    }

    /// A safety net for a failed test: SIGCONT + SIGKILL to what the demo left (only processes naming the sandbox).
    static func killLeftovers(_ directory: String) {
        for pid in processes(mentioning: directory) {
            kill(pid, SIGCONT)
            kill(pid, SIGKILL)
        }
    }

    static func environment(_ sandbox: TestSandbox) -> [String: String] {
        ["LANG": "C.UTF-8", "TERM": "xterm-256color", "TMPDIR": sandbox.path]
    }

    @Test("demo in tmux: four nodes, K kills the primary, node2 takes over, q removes everything")
    func dashboardFailover() async throws {
        let sandbox = try TestSandbox()
        let directory = sandbox.subpath("demo")
        defer {
            Self.killLeftovers(sandbox.path)
            sandbox.cleanup()
        }
        let binary = try TestSandbox.locatePgwardenBinary()
        let words =
            ["env", "-u", "NO_COLOR"]
            + Self.environment(sandbox).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            + [binary, "demo", "--dir", directory]
        let clock = ContinuousClock()
        let started = clock.now
        let tmux = try TmuxSession(
            command: words.map(TmuxDashboard.shellQuoted).joined(separator: " "), width: 130, height: 40,
            directory: sandbox.path)
        defer { tmux.kill() }

        let screen = try await tmux.waitFor("the four demo nodes", timeout: .seconds(60)) {
            Self.showsFourRunningNodes($0)
        }
        print("demo: dashboard with four running nodes \(clock.now - started) after `pgwarden demo` started")
        #expect(screen.last?.contains("K/Z/O/L:demo") == true)
        #expect(screen.first?.contains("primary node1") == true)

        try tmux.send("?")
        // A capture can land mid-redraw: wait for the line under test, not only the title.
        let help = try await tmux.waitFor("the demo keys in the help overlay") {
            $0.joined().contains("Help · keys available now") && $0.joined().contains("Markers:")
        }
        #expect(help.joined().contains("demo: kill -9 the primary's postmaster"))
        try tmux.send("Escape")
        try await tmux.waitFor("help to close") { !$0.joined().contains("Help · keys available now") }

        try tmux.send("K")
        let killed = clock.now
        let after = try await tmux.waitFor("node2 promoted by the daemons", timeout: .seconds(30)) { screen in
            screen.first?.contains("primary node2") == true
                && Self.row(screen, "node2")?.contains("primary * running") == true
                && Self.row(screen, "node1")?.contains("failed") == true
        }
        print("demo: failover to node2 on screen \(clock.now - killed) after the K key")
        // The status column widens when node1 shows "failed (fenced)", so match across the padding.
        #expect(Self.row(after, "node3")?.contains(/running +node2/) == true, "\(after.joined(separator: "\n"))")

        try tmux.send("q")
        let quit = clock.now
        try await tmux.waitFor("the demo to stop and clean up", timeout: .seconds(60)) {
            $0.joined().contains("EXIT=0")
        }
        print("demo: stopped and cleaned up \(clock.now - quit) after q")
        #expect(
            Self.processes(mentioning: directory).isEmpty,
            "demo processes left: \(Self.processes(mentioning: directory))")
        #expect(!FileManager.default.fileExists(atPath: directory))
        let stateFiles = (try? FileManager.default.contentsOfDirectory(atPath: sandbox.subpath("pgwarden-demo"))) ?? []
        #expect(stateFiles.isEmpty, "state files left: \(stateFiles)")
    }

    @Test(
        "demo --no-ui prints every node, serves cluster show, and SIGTERM cleans up; a crashed run is cleaned up by the next"
    )
    func noUserInterface() async throws {
        let sandbox = try TestSandbox()
        defer {
            Self.killLeftovers(sandbox.path)
            sandbox.cleanup()
        }
        let binary = try TestSandbox.locatePgwardenBinary()
        let first = sandbox.subpath("first")
        let crashed = try BackgroundProcess(
            [binary, "demo", "--no-ui", "--dir", first], environment: Self.environment(sandbox),
            workingDirectory: sandbox.path, outputPath: sandbox.subpath("first.out"))
        defer { crashed.kill() }
        try await Polling.until("the first demo to be ready", timeout: .seconds(60)) {
            crashed.output().contains("The cluster runs until") || !crashed.isRunning
        }
        let output = crashed.output()
        try #require(output.contains("The cluster runs until"), "\(output)")
        for name in ["node1", "node2", "node3", "witness"] {
            #expect(output.contains("\(first)/\(name).conf"), "\(output)")
        }
        let show = try await ProcessRunner.run(
            [binary, "-f", first + "/node1.conf", "cluster", "show"], timeout: .seconds(30))
        #expect(show.stdout.contains("| node3   | standby |   running | node2"), "\(show)")

        // A crash: the demo process dies without cleaning up; its servers, daemons and pgbouncer stay.
        let demoPID = try #require(
            Self.processes(mentioning: first).first { pid in
                ProcessTable.commandLine(of: pid).contains("demo")
            })
        kill(demoPID, SIGKILL)
        try await Polling.until("the first demo to die", timeout: .seconds(10)) { !ProcessTable.isAlive(demoPID) }
        #expect(!Self.processes(mentioning: first).isEmpty)

        let second = sandbox.subpath("second")
        let next = try BackgroundProcess(
            [binary, "demo", "--no-ui", "--dir", second], environment: Self.environment(sandbox),
            workingDirectory: sandbox.path, outputPath: sandbox.subpath("second.out"))
        defer { next.kill() }
        try await Polling.until("the second demo to be ready", timeout: .seconds(60)) {
            next.output().contains("The cluster runs until") || !next.isRunning
        }
        #expect(next.output().contains("clean up after an earlier demo"), "\(next.output())")
        #expect(Self.processes(mentioning: first).isEmpty, "the crashed demo's processes are still running")
        #expect(!FileManager.default.fileExists(atPath: first))

        let secondPID = try #require(
            Self.processes(mentioning: second).first { pid in
                ProcessTable.commandLine(of: pid).contains("demo")
            })
        kill(secondPID, SIGTERM)
        try await Polling.until("the second demo to stop", timeout: .seconds(60)) { !ProcessTable.isAlive(secondPID) }
        #expect(next.output().contains("stopped and cleaned up"), "\(next.output())")
        #expect(Self.processes(mentioning: second).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: second))
    }
}
