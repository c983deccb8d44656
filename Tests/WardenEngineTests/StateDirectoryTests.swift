import Foundation
import Testing

@testable import WardenEngine

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's private state directory, its files and its PID file (issue 18, findings 1 and 2):
/// what is created, what is refused and with which words, and that no link is ever followed.
@Suite("State directory", .serialized)
struct StateDirectoryTests {
    /// A new directory under /tmp (0755), removed afterwards.
    static func withScratch(_ body: (String) throws -> Void) throws {
        var template = Array("/tmp/pgwarden-state-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        let scratch = try #require(made)
        chmod(scratch, 0o755)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try body(scratch)
    }

    static func configuration(data: String, stateDir: String = "", pidFile: String = "") throws -> NodeConfiguration {
        var configuration = NodeConfiguration(
            nodeID: 2, nodeName: "node2", conninfo: "host=127.0.0.1", dataDirectory: data,
            filePath: "/etc/pgwarden-test-node2.conf")
        configuration.pgwardenStateDir = stateDir
        configuration.repmgrdPidFile = pidFile
        return configuration
    }

    /// The error `body` throws (nil when it does not; any error that is not a WardenError is one too).
    static func refusal(_ body: () throws -> Void) -> WardenError? {
        do {
            try body()
            return nil
        } catch {
            return error as? WardenError ?? WardenError("\(error)", exitStatus: .internalError)
        }
    }

    static func mode(_ path: String) -> mode_t {
        var status = stat()
        _ = lstat(path, &status)
        return status.st_mode & 0o7777
    }

    @Test("the default lies beside the data directory; pgwarden_state_dir overrides it")
    func location() throws {
        #expect(
            StateDirectory.location(for: try Self.configuration(data: "/var/lib/postgresql/15/main/"))
                == "/var/lib/postgresql/15/main.pgwarden")
        #expect(
            StateDirectory.location(for: try Self.configuration(data: "/d", stateDir: "/srv/state")) == "/srv/state")
        #expect(DaemonProcess.pidFile(for: try Self.configuration(data: "/d")) == "/d.pgwarden/pgwarden-daemon.pid")
        #expect(DaemonProcess.pidFile(for: try Self.configuration(data: "/d", pidFile: "/run/p.pid")) == "/run/p.pid")
    }

    @Test("prepare creates the directory, its missing parents and the mailbox with mode 0700")
    func creates() throws {
        try Self.withScratch { scratch in
            let state = StateDirectory(path: scratch + "/a/b/state")
            try state.prepare()
            for path in [scratch + "/a", scratch + "/a/b", state.path, state.mailbox] {
                #expect(Self.mode(path) == 0o700, "\(path)")
            }
            try state.prepare()
            #expect(try state.checkIfPresent())
            #expect(try !StateDirectory(path: scratch + "/none").checkIfPresent())
        }
    }

    @Test("a directory other users may enter is refused, with the chmod that fixes it")
    func openMode() throws {
        try Self.withScratch { scratch in
            let path = scratch + "/state"
            mkdir(path, 0o700)
            chmod(path, 0o777)
            let error = try #require(Self.refusal { try StateDirectory(path: path).prepare() })
            #expect(
                error.message
                    == "refusing to run: the state directory \"\(path)\" has mode 0777: other users may use it")
            #expect(error.hint == "check what it holds, then run: chmod 700 \(path)")
            #expect(error.exitStatus == .badConfig)
        }
    }

    @Test("a symbolic link, a file, or a directory in a parent others may write are refused")
    func links() throws {
        try Self.withScratch { scratch in
            mkdir(scratch + "/real", 0o700)
            symlink(scratch + "/real", scratch + "/link")
            let link = try #require(Self.refusal { try StateDirectory(path: scratch + "/link").prepare() })
            #expect(link.message.hasSuffix("\"\(scratch)/link\" is a symbolic link"))
            _ = FileManager.default.createFile(atPath: scratch + "/file", contents: Data())
            let file = try #require(Self.refusal { try StateDirectory(path: scratch + "/file").prepare() })
            #expect(file.message.hasSuffix("is not a directory"))
            mkdir(scratch + "/open", 0o777)
            chmod(scratch + "/open", 0o777)
            let parent = try #require(Self.refusal { try StateDirectory(path: scratch + "/open/state").prepare() })
            #expect(parent.message.contains("where other users may rename or replace it"), "\(parent)")
            mkdir(scratch + "/sticky", 0o777)
            chmod(scratch + "/sticky", 0o1777)
            try StateDirectory(path: scratch + "/sticky/state").prepare()
        }
    }

    @Test("a directory owned by another user is refused, naming that user", .enabled(if: geteuid() == 0))
    func foreignOwner() throws {
        try Self.withScratch { scratch in
            let nobody = try #require(getpwnam("nobody")).pointee.pw_uid
            let path = scratch + "/state"
            mkdir(path, 0o700)
            chown(path, nobody, gid_t(nobody))
            let error = try #require(Self.refusal { try StateDirectory(path: path).prepare() })
            #expect(error.message.contains("is owned by nobody (uid \(nobody)), not by root (uid 0)"), "\(error)")
            #expect(error.hint?.hasPrefix("remove it (another user may have planted it)") == true)
        }
    }

    @Test("replacing a file never writes through a link planted at its name or at an old temporary name")
    func noFollow() throws {
        try Self.withScratch { scratch in
            let victim = scratch + "/victim"
            _ = FileManager.default.createFile(atPath: victim, contents: Data("precious".utf8))
            symlink(victim, scratch + "/report.json")
            symlink(victim, scratch + "/report.json.tmp")
            try SafeFile.replace(scratch + "/report.json", with: Data("{}".utf8))
            #expect(FileManager.default.contents(atPath: victim) == Data("precious".utf8))
            #expect(try SafeFile.contents(scratch + "/report.json", limit: 10) == Data("{}".utf8))
            #expect(Self.mode(scratch + "/report.json") == 0o600)
            let error = try #require(
                Self.refusal { _ = try SafeFile.contents(scratch + "/report.json.tmp", limit: 100) })
            #expect(error.message.hasSuffix("is a symbolic link"))
        }
    }

    @Test("reading refuses FIFOs (without blocking), oversized files and other users' files")
    func readRefusals() throws {
        try Self.withScratch { scratch in
            mkfifo(scratch + "/fifo", 0o600)
            #expect(
                Self.refusal { _ = try SafeFile.contents(scratch + "/fifo", limit: 100) }?.message.hasSuffix(
                    "is not a regular file") == true)
            _ = FileManager.default.createFile(atPath: scratch + "/big", contents: Data(count: 101))
            #expect(Self.refusal { _ = try SafeFile.contents(scratch + "/big", limit: 100) } != nil)
            #expect(Self.refusal { _ = try SafeFile.contents(scratch + "/missing", limit: 100) } == nil)
            if geteuid() == 0, let nobody = getpwnam("nobody")?.pointee.pw_uid {
                _ = FileManager.default.createFile(atPath: scratch + "/theirs", contents: Data("1".utf8))
                chown(scratch + "/theirs", nobody, gid_t(nobody))
                #expect(
                    Self.refusal { _ = try SafeFile.contents(scratch + "/theirs", limit: 100) }?.message.contains(
                        "is owned by nobody") == true)
            }
        }
    }

    @Test("the pointer in the data directory: written once, read back, other text is no pointer")
    func pointer() throws {
        try Self.withScratch { scratch in
            let pointer = StateDirectoryPointer(nodeID: 2, directory: "/srv/state")
            try pointer.store(in: scratch)
            #expect(
                try SafeFile.contents(scratch + "/pgwarden_state_dir", limit: 100) == Data("2\n/srv/state\n".utf8))
            #expect(StateDirectoryPointer(text: "2\n/srv/state\n") == pointer)
            #expect(StateDirectoryPointer(text: "x\n/srv/state\n") == nil)
            #expect(StateDirectoryPointer(text: "2\nrelative\n") == nil)
            #expect(StateDirectoryPointer(text: "2") == nil)
        }
    }

    @Test("a PID file naming another process is stale and never signalled; one owned by another user is refused")
    func pidFiles() async throws {
        try await Self.withScratchAsync { scratch in
            let pidFile = scratch + "/daemon.pid"
            let configuration = try Self.configuration(data: scratch + "/data", pidFile: pidFile)
            #expect(try DaemonProcess.pidFileState(for: configuration) == .absent)
            let sleeper = Process()
            sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
            sleeper.arguments = ["30"]
            try sleeper.run()
            defer { sleeper.terminate() }
            try "\(sleeper.processIdentifier)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
            guard case .stale(let reason) = try DaemonProcess.pidFileState(for: configuration) else {
                Issue.record("a sleep process taken for the daemon")
                return
            }
            #expect(
                reason.contains(
                    "names PID \(sleeper.processIdentifier), but process \(sleeper.processIdentifier) is not a pgwarden daemon"
                ), "\(reason)")
            await #expect(throws: WardenError.self) { try await DaemonProcess.stop(configuration, wait: .seconds(1)) }
            #expect(sleeper.isRunning, "daemon stop signalled a process that is not the daemon")
            try "garbage".write(toFile: pidFile, atomically: true, encoding: .utf8)
            #expect(
                try DaemonProcess.pidFileState(for: configuration)
                    == .stale(reason: "the PID file \"\(pidFile)\" holds no PID"))
            if geteuid() == 0, let nobody = getpwnam("nobody")?.pointee.pw_uid {
                try "\(sleeper.processIdentifier)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
                chown(pidFile, nobody, gid_t(nobody))
                let error = Self.refusal { _ = try DaemonProcess.pidFileState(for: configuration) }
                #expect(error?.exitStatus == .badPidfile)
                #expect(error?.message.contains("is owned by nobody") == true, "\(String(describing: error))")
            }
        }
    }

    @Test("the mailbox takes sealed messages for its node and drops links, unsealed and misaddressed files")
    func mailboxReceive() throws {
        try Self.withScratch { scratch in
            let state = StateDirectory(path: scratch + "/state")
            try state.prepare()
            let secret = try #require(ClusterSecret(bytes: Array(repeating: 9, count: 32)))
            let authenticator = MessageAuthenticator(secret: secret)
            let lines = LogLines()
            let mailbox = DaemonMailbox(
                state: state, nodeID: 2, dataDirectory: scratch, authenticator: authenticator,
                rejections: RejectionLog(log: lines.sink))
            let genuine = DaemonMessage.candidacyWithdrawn(nodeID: 3, term: 4)
            let box = state.mailbox
            _ = FileManager.default.createFile(
                atPath: box + "/msg-1.json", contents: try authenticator.sealMessage(genuine, sender: 3, recipient: 2))
            _ = FileManager.default.createFile(
                atPath: box + "/msg-2.json", contents: Data(#"{"primaryAnnounced":{"nodeID":1,"term":999}}"#.utf8))
            _ = FileManager.default.createFile(
                atPath: box + "/msg-3.json", contents: try authenticator.sealMessage(genuine, sender: 3, recipient: 1))
            _ = FileManager.default.createFile(atPath: scratch + "/victim", contents: Data("precious".utf8))
            symlink(scratch + "/victim", box + "/msg-4.json")
            #expect(mailbox.receive() == [genuine])
            #expect(try FileManager.default.contentsOfDirectory(atPath: box).isEmpty)
            #expect(FileManager.default.contents(atPath: scratch + "/victim") == Data("precious".utf8))
            #expect(
                lines.texts == [
                    "ignoring a message: it is not sealed (no authentication code)",
                    "ignoring a message claiming to come from node 3: it is addressed to node 1",
                    "ignoring a message file: \"\(box)/msg-4.json\" is a symbolic link",
                ])
            mailbox.publish(MessageAuthenticationTests.report(nodeID: 2))
            let published = try #require(try SafeFile.contents(state.reportPath, limit: 100_000))
            #expect(
                try authenticator.openReport(String(decoding: published, as: UTF8.self), from: 2).get()
                    == MessageAuthenticationTests.report(nodeID: 2))
            #expect(
                try SafeFile.contents(scratch + "/pgwarden_state_dir", limit: 100) == Data("2\n\(state.path)\n".utf8))
        }
    }

    @Test("the configuration file named on a daemon's command line")
    func configurationArgument() {
        #expect(
            DaemonProcessIdentity.configurationArgument(["pgwarden", "-f", "/a.conf", "daemon", "run"]) == "/a.conf")
        #expect(DaemonProcessIdentity.configurationArgument(["pgwarden", "daemon", "run", "--config-file=b"]) == "b")
        #expect(DaemonProcessIdentity.configurationArgument(["pgwarden", "daemon", "run"]) == nil)
        #expect(
            DaemonProcessIdentity.mismatch(pid: getpid(), configurationFile: "/x")?.contains("is not a pgwarden daemon")
                == true)
    }

    @Test("writes refused by a read-only server are logged once, and once when they succeed again")
    func readOnlyOnce() {
        let lines = LogLines()
        let health = PrimaryWriteHealth(log: lines.sink, statusPath: "/s/status.json")
        let readOnly = WardenError(
            "ERROR:  cannot execute CREATE TABLE in a read-only transaction", exitStatus: .dbQuery)
        for _ in 0..<30 { health.failed(readOnly) }
        #expect(health.writesRefused)
        #expect(
            lines.texts == [
                "unable to write to the primary: ERROR:  cannot execute CREATE TABLE in a read-only transaction"
            ])
        #expect(lines.all.first?.detail?.contains("/s/status.json") == true)
        health.succeeded()
        health.succeeded()
        #expect(!health.writesRefused)
        #expect(lines.texts.last == "writes to the primary succeed again")
        health.failed(WardenError("connection refused", exitStatus: .dbConnection))
        health.failed(WardenError("connection refused", exitStatus: .dbConnection))
        #expect(lines.texts.count == 4)
    }

    static func withScratchAsync(_ body: (String) async throws -> Void) async throws {
        var template = Array("/tmp/pgwarden-state-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        let scratch = try #require(made)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try await body(scratch)
    }
}
