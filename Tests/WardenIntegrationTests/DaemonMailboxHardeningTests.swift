import Foundation
import Testing
import WardenEngine

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 18, findings 1, 2 and 12, as a second, unprivileged OS user (`nobody`) against real
/// daemons: a planted state directory, forged messages, a symbolic link at the old temporary
/// report name and a bogus PID file change nothing, and each refusal or drop is in the log; a
/// daemon whose node is fenced read-only says so once and keeps its status in its state directory.
@Suite("Daemon mailbox hardening", .serialized, .enabled(if: geteuid() == 0, "needs root to act as nobody"))
struct DaemonMailboxHardeningTests {
    static let attacker = "nobody"

    /// A directory every user may create files in, like /tmp (mode 1777).
    static func publicDirectory(_ cluster: PgwardenCluster) throws -> String {
        let path = cluster.sandbox.subpath("public")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o1777)
        return path
    }

    /// Runs `script` with /bin/sh as `user`.
    @discardableResult
    static func shell(_ script: String, as user: String) async throws -> CommandResult {
        try await ProcessRunner.run(["/bin/sh", "-c", script], asUser: user, timeout: .seconds(30))
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The publication count of the report in `stateDirectory` (0 when there is none).
    static func publications(_ stateDirectory: String) -> Int {
        guard let data = FileManager.default.contents(atPath: stateDirectory + "/report.json"),
            let envelope = try? JSONDecoder().decode(SealedEnvelope.self, from: data),
            let report = try? JSONDecoder().decode(PeerReport.self, from: Data(envelope.payload.utf8))
        else { return 0 }
        return report.publication
    }

    /// Waits until the daemon publishing into `stateDirectory` has published `more` more reports:
    /// the positive sign that it ran that many monitoring intervals.
    static func waitForPublications(_ stateDirectory: String, more: Int, log: String) async throws {
        let start = publications(stateDirectory)
        do {
            try Polling.until("\(more) more reports in \(stateDirectory)", timeout: .seconds(30)) {
                publications(stateDirectory) >= start + more
            }
        } catch {
            Issue.record("daemon log:\n\(read(log))")
            throw error
        }
    }

    static func daemonSettings(logFile: String) -> String {
        """
        failover=automatic
        monitor_interval_secs=1
        reconnect_attempts=2
        reconnect_interval=1
        log_file='\(logFile)'
        """
    }

    @Test("a state directory planted by another user, with a forged announcement, is refused at start")
    func plantedStateDirectory() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        let standby = try cluster.server(2)
        let shared = try Self.publicDirectory(cluster)
        let state = shared + "/node2"
        let logFile = cluster.sandbox.subpath("daemon2.log")
        try cluster.writeConfig(
            2, port: standby.port, dataDirectory: standby.dataDirectory,
            extra: Self.daemonSettings(logFile: logFile) + "\npgwarden_state_dir='\(state)'")
        let forged = #"{"primaryAnnounced":{"nodeID":1,"term":999}}"#
        _ = try await Self.shell(
            "mkdir -m 777 \(state) \(state)/mailbox && printf '%s' '\(forged)' > \(state)/mailbox/msg-1-forged.json",
            as: Self.attacker
        ).check()

        let start = try await cluster.pgwarden(["-f", cluster.configPath(2), "daemon", "start"])
        #expect(start.exitCode == 1, "\(start)")
        let serverUser = cluster.sandbox.serverUser
        let nobody = try SystemUser.lookup(Self.attacker)
        let refusal =
            "refusing to run: the state directory \"\(state)\" is owned by nobody (uid \(nobody.uid)), "
            + "not by \(serverUser.name) (uid \(serverUser.uid))"
        #expect(start.stderr.contains(refusal), "\(start)")
        #expect(start.stderr.contains("HINT: remove it (another user may have planted it)"), "\(start)")

        // The daemon itself, run in the foreground, refuses the same way before reading anything.
        let run = try BackgroundProcess(
            [cluster.binary, "-f", cluster.configPath(2), "daemon", "run"], asUser: serverUser.name,
            workingDirectory: cluster.sandbox.path, outputPath: cluster.sandbox.subpath("run2.out"))
        #expect(run.waitForExit(timeout: .seconds(20)) == 1, "\(run.output())")
        #expect(run.output().contains(refusal), "\(run.output())")
        #expect(!(run.output() + Self.read(logFile)).contains("received announcement"))
        #expect(
            FileManager.default.fileExists(atPath: state + "/mailbox/msg-1-forged.json"), "the forged message was read")
        #expect(try standby.psql("SELECT pg_is_in_recovery()") == "t")
        #expect(try standby.psql("SHOW default_transaction_read_only") == "off", "node2 was fenced")
    }

    @Test("a running daemon ignores unsealed and forged messages, the old /tmp mailbox and links at report.json.tmp")
    func forgedMessagesAndLinks() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        let shared = try Self.publicDirectory(cluster)
        var daemons: [BackgroundProcess] = []
        defer { for daemon in daemons { _ = daemon.terminate() } }
        for node in 1...2 {
            let server = try cluster.server(node)
            try cluster.writeConfig(
                node, port: server.port, dataDirectory: server.dataDirectory,
                extra: Self.daemonSettings(logFile: cluster.sandbox.subpath("daemon\(node).log")))
            // TMPDIR is where the mailbox used to be: a directory every user can write.
            daemons.append(
                try BackgroundProcess(
                    [cluster.binary, "-f", cluster.configPath(node), "daemon", "run"],
                    asUser: cluster.sandbox.serverUser.name, environment: ["TMPDIR": shared],
                    workingDirectory: cluster.sandbox.path, outputPath: cluster.sandbox.subpath("out\(node)")))
        }
        let standby = try cluster.server(2)
        let state = standby.dataDirectory + ".pgwarden"
        let logFile = cluster.sandbox.subpath("daemon2.log")
        try await Self.waitForPublications(state, more: 1, log: logFile)
        #expect(Self.read(logFile).contains("state directory \"\(state)\" checked: owned by this user, mode 0700"))
        #expect(Self.read(standby.dataDirectory + "/pgwarden_state_dir") == "2\n\(state)\n")

        // The old attack: nobody pre-creates the mailbox under TMPDIR with a forged announcement
        // and a link at report.json.tmp to a file of the server user.
        let victim = try cluster.sandbox.writeFile("victim", contents: "precious\n")
        let systemIdentifier = try standby.psql("SELECT system_identifier FROM pg_control_system()")
        let old = "\(shared)/pgwarden-mailbox/\(systemIdentifier)-port\(standby.port)-node2"
        let forged = #"{"primaryAnnounced":{"nodeID":1,"term":999}}"#
        _ = try await Self.shell(
            "mkdir -p -m 777 \(old) && printf '%s' '\(forged)' > \(old)/msg-1-forged.json "
                + "&& ln -s \(victim) \(old)/report.json.tmp",
            as: Self.attacker
        ).check()
        // Nobody cannot write into the real state directory at all.
        let intrusion = try await Self.shell(
            "printf '%s' '\(forged)' > \(state)/mailbox/msg-1-forged.json", as: Self.attacker)
        #expect(intrusion.exitCode != 0)
        #expect(intrusion.stderr.contains("Permission denied"), "\(intrusion)")

        // What a process with a database superuser's login but without the cluster secret (or an
        // older pgwarden) could deliver through the server: an unsealed message, and a sealed-looking
        // one with a made-up code.
        let sentAt = Int64(Date().timeIntervalSince1970 * 1000)
        let fakeText =
            #"{"version":1,"kind":"message","sender":1,"recipient":2,"sentAt":"# + String(sentAt)
            + #","nonce":"n1","payload":"{\"primaryAnnounced\":{\"nodeID\":1,\"term\":999}}","mac":""#
            + String(repeating: "0", count: 64) + #""}"#
        let serverUser = cluster.sandbox.serverUser.name
        _ = try await Self.shell(
            "cd \(state)/mailbox && printf '%s' '\(forged)' > .t1 && mv .t1 msg-1-unsealed.json "
                + "&& printf '%s' '\(fakeText)' > .t2 && mv .t2 msg-2-fakeseal.json",
            as: serverUser
        ).check()
        // A link planted at the old temporary report name inside the real state directory.
        _ = try await Self.shell("ln -s \(victim) \(state)/report.json.tmp", as: serverUser).check()

        try Polling.until("the drops to be logged", timeout: .seconds(15)) {
            let log = Self.read(logFile)
            return log.contains("ignoring a message: it is not sealed (no authentication code)")
                && log.contains(
                    "ignoring a message claiming to come from node 1: its authentication code does not match the cluster secret (forged or altered)"
                )
        }
        try await Self.waitForPublications(state, more: 3, log: logFile)
        let log = Self.read(logFile)
        #expect(!log.contains("received announcement"), "\(log)")
        #expect(!log.contains("term 999"), "\(log)")
        #expect(Self.read(victim) == "precious\n", "a link was written through")
        #expect(FileManager.default.fileExists(atPath: old + "/msg-1-forged.json"), "the old mailbox was read")
        #expect(try standby.psql("SELECT pg_is_in_recovery()") == "t")
        #expect(try standby.psql("SHOW default_transaction_read_only") == "off", "node2 was fenced")
        #expect(try cluster.server(1).psql("SELECT pg_is_in_recovery()") == "f")
        #expect(try cluster.server(1).psql("SHOW default_transaction_read_only") == "off", "node1 was fenced")
        // Genuine messages still pass: node 1's daemon holds its lease through node 2's grants.
        #expect(!Self.read(cluster.sandbox.subpath("daemon1.log")).contains("ignoring"))
        for daemon in daemons { #expect(daemon.isRunning, "\(daemon.output())") }
    }

    @Test("a PID file written by another user, or naming another process, is never signalled")
    func bogusPIDFiles() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        let standby = try cluster.server(2)
        let shared = try Self.publicDirectory(cluster)
        let logFile = cluster.sandbox.subpath("daemon2.log")
        let serverUser = cluster.sandbox.serverUser.name
        // Another process of the server user's, which no pgwarden command may signal.
        let spawned = try await Self.shell("sleep 300 >/dev/null 2>&1 </dev/null & echo $!", as: serverUser).check()
        let victimPID = try #require(pid_t(spawned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        ServerRegistry.shared.registerProcess(victimPID)
        defer {
            kill(victimPID, SIGKILL)
            ServerRegistry.shared.unregisterProcess(victimPID)
        }
        func daemon(_ action: String) async throws -> CommandResult {
            try await cluster.pgwarden(["-f", cluster.configPath(2), "daemon", action])
        }

        // repmgrd_pid_file in a directory every user can write, like the old default /tmp.
        let pidFile = shared + "/daemon2.pid"
        try cluster.writeConfig(
            2, port: standby.port, dataDirectory: standby.dataDirectory,
            extra: Self.daemonSettings(logFile: logFile) + "\nrepmgrd_pid_file='\(pidFile)'")
        _ = try await Self.shell("echo \(victimPID) > \(pidFile)", as: Self.attacker).check()
        let stop = try await daemon("stop")
        #expect(stop.exitCode == 3, "\(stop)")
        #expect(stop.stderr.contains("refusing to use the PID file: \"\(pidFile)\" is owned by nobody"), "\(stop)")
        #expect(ProcessTable.isAlive(victimPID), "daemon stop killed the process in a planted PID file")
        let start = try await daemon("start")
        #expect(start.exitCode == 3, "\(start)")
        #expect(start.stderr.contains("refusing to use the PID file"), "\(start)")

        // The server user's own file naming a process that is not the daemon (a reused PID).
        unlink(pidFile)
        _ = try await Self.shell("echo \(victimPID) > \(pidFile)", as: serverUser).check()
        let staleStop = try await daemon("stop")
        #expect(staleStop.exitCode == 27, "\(staleStop)")
        #expect(staleStop.stderr.contains("nothing was signalled"), "\(staleStop)")
        #expect(
            staleStop.stderr.contains("names PID \(victimPID), but process \(victimPID) is not a pgwarden daemon"),
            "\(staleStop)")
        #expect(ProcessTable.isAlive(victimPID), "daemon stop killed a process that is not the daemon")
        let started = try await daemon("start")
        #expect(started.exitCode == 0, "a stale PID file must not keep the daemon from starting\n\(started)")
        let daemonPID = try #require(pid_t(Self.read(pidFile).trimmingCharacters(in: .whitespacesAndNewlines)))
        ServerRegistry.shared.registerProcess(daemonPID)
        defer {
            if ProcessTable.isAlive(daemonPID) { kill(daemonPID, SIGKILL) }
            ServerRegistry.shared.unregisterProcess(daemonPID)
        }
        #expect(daemonPID != victimPID)
        let stopped = try await daemon("stop")
        #expect(stopped.exitCode == 0, "\(stopped)")
        #expect(!ProcessTable.isAlive(daemonPID))
        #expect(ProcessTable.isAlive(victimPID))

        // The default PID file lies in the state directory.
        try cluster.writeConfig(
            2, port: standby.port, dataDirectory: standby.dataDirectory, extra: Self.daemonSettings(logFile: logFile))
        let state = standby.dataDirectory + ".pgwarden"
        let defaultStart = try await daemon("start")
        #expect(defaultStart.exitCode == 0, "\(defaultStart)\n\(Self.read(logFile))")
        let defaultPID = try #require(
            pid_t(Self.read(state + "/pgwarden-daemon.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        ServerRegistry.shared.registerProcess(defaultPID)
        defer {
            if ProcessTable.isAlive(defaultPID) { kill(defaultPID, SIGKILL) }
            ServerRegistry.shared.unregisterProcess(defaultPID)
        }
        var status = stat()
        #expect(lstat(state, &status) == 0 && status.st_mode & 0o7777 == 0o700)
        #expect(status.st_uid == cluster.sandbox.serverUser.uid)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/pgwarden-daemon-2.pid"))
        #expect(try await daemon("stop").exitCode == 0)
        #expect(!ProcessTable.isAlive(defaultPID))
    }

    @Test("a daemon whose node is fenced read-only says so once, keeps its status in its state directory")
    func fencedDaemonLogsOnce() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        let primary = try cluster.server(1)
        let logFile = cluster.sandbox.subpath("daemon1.log")
        try cluster.writeConfig(
            1, port: primary.port, dataDirectory: primary.dataDirectory, extra: Self.daemonSettings(logFile: logFile))
        let daemon = try BackgroundProcess(
            [cluster.binary, "-f", cluster.configPath(1), "daemon", "run"], asUser: cluster.sandbox.serverUser.name,
            workingDirectory: cluster.sandbox.path, outputPath: cluster.sandbox.subpath("out1"))
        defer { _ = daemon.terminate() }
        let state = primary.dataDirectory + ".pgwarden"
        try await Self.waitForPublications(state, more: 1, log: logFile)
        func localStatus() -> LocalDaemonStatus? {
            guard let data = FileManager.default.contents(atPath: state + "/status.json") else { return nil }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try? decoder.decode(LocalDaemonStatus.self, from: data)
        }

        _ = try await cluster.pgwarden(node: 1, ["node", "fence"]).check()
        try Polling.until("the daemon to find the primary read-only", timeout: .seconds(20)) {
            localStatus()?.primaryWritesRefused == true
        }
        // Five more monitoring intervals, each of which tried to write its heartbeat.
        try await Self.waitForPublications(state, more: 5, log: logFile)
        let fencedLog = Self.read(logFile)
        let readOnlyLines = fencedLog.split(separator: "\n").filter { $0.contains("read-only transaction") }
        #expect(readOnlyLines.count == 1, "\(fencedLog)")
        #expect(fencedLog.contains("this daemon keeps its status in \"\(state)/status.json\""), "\(fencedLog)")
        #expect(localStatus()?.nodeID == 1)
        let status = try await cluster.pgwarden(node: 1, ["daemon", "status"])
        #expect(status.stderr.contains("node 1's daemon cannot write to the primary (read-only)"), "\(status)")

        _ = try await cluster.pgwarden(node: 1, ["node", "unfence"]).check()
        try Polling.until("the daemon to write again", timeout: .seconds(20)) {
            Self.read(logFile).contains("writes to the primary succeed again")
        }
        try await Self.waitForPublications(state, more: 2, log: logFile)
        #expect(localStatus()?.primaryWritesRefused == false)
        let log = Self.read(logFile)
        #expect(log.split(separator: "\n").filter { $0.contains("read-only transaction") }.count == 1, "\(log)")
        #expect(log.split(separator: "\n").filter { $0.contains("writes to the primary succeed again") }.count == 1)
        #expect(daemon.isRunning, "\(daemon.output())")
    }
}
