import Foundation
import Synchronization
import Testing

@testable import WardenEngine

/// `event_notification_command` templates: placeholders are found in their shell context, and hostile
/// values (quotes, `;`, `$()`, backquotes, newlines, backslashes) reach the command as plain data — checked
/// by really running the rendered command with `/bin/sh` (and bash) and comparing the argv it received.
@Suite("Notification templates", .serialized)
struct NotificationTemplateTests {
    /// Values that would run `touch <pwned>` if pasted into a command unquoted, or quoted naively.
    static func hostileValues(pwned: String) -> [String] {
        [
            "evil'; touch \(pwned); '",
            "$(touch \(pwned))",
            "`touch \(pwned)`",
            "\"; touch \(pwned); \"",
            "line one\ntouch \(pwned)\n",
            "trailing backslash \\",
            "it's \"quoted\" $HOME \\\\ \\n ${IFS} !x",
            "${IFS}touch${IFS}\(pwned)",
            "X=1",
            "*",
            "'\\''",
            "",
            "ノード名 \u{1F600}",
            "a\u{0}b",
        ]
    }

    /// A scratch directory with `argv` (appends each argument NUL-terminated to `argv.out`) and `stdin`
    /// (appends its standard input to `stdin.out`).
    final class Scratch: @unchecked Sendable {
        let path: String
        var pwned: String { path + "/pwned" }
        var argvScript: String { path + "/argv" }
        var stdinScript: String { path + "/stdin" }
        var argvOutput: String { path + "/argv.out" }
        var stdinOutput: String { path + "/stdin.out" }

        init() throws {
            path = NSTemporaryDirectory() + "pgwarden-template-test-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\" >> '\(path)/argv.out'; done\n"
                .write(toFile: argvScript, atomically: true, encoding: .utf8)
            try "#!/bin/sh\ncat >> '\(path)/stdin.out'\n".write(toFile: stdinScript, atomically: true, encoding: .utf8)
            for script in [argvScript, stdinScript] {
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        func reset() {
            try? FileManager.default.removeItem(atPath: argvOutput)
            try? FileManager.default.removeItem(atPath: stdinOutput)
        }

        /// The arguments `argv` received, split at the NULs, as raw bytes.
        func receivedArguments() -> [[UInt8]] {
            guard let data = FileManager.default.contents(atPath: argvOutput) else { return [] }
            var arguments: [[UInt8]] = []
            var current: [UInt8] = []
            for byte in data {
                if byte == 0 {
                    arguments.append(current)
                    current = []
                } else {
                    current.append(byte)
                }
            }
            return arguments
        }

        func receivedInput() -> [UInt8] {
            FileManager.default.contents(atPath: stdinOutput).map { Array($0) } ?? []
        }
    }

    /// Collects the messages a notifier reports.
    final class MessageLog: Sendable {
        private let storage = Mutex<[OperationMessage]>([])
        var messages: [OperationMessage] { storage.withLock { $0 } }
        var sink: MessageSink { { message in self.storage.withLock { $0.append(message) } } }
    }

    static func bytes(_ text: String) -> [UInt8] { Array(NotificationTemplate.sanitized(text).utf8) }

    static func event(details: String, name: String, conninfo: String, timestamp: String) -> EventNotifier.Event {
        EventNotifier.Event(
            nodeID: 7, name: "witness_register", successful: true, timestamp: timestamp, details: details,
            primaryNodeID: 3, primaryConninfo: conninfo, primaryName: name)
    }

    // MARK: - Parsing and rendering

    @Test("placeholders are found in their quoting context")
    func contexts() {
        let template = NotificationTemplate(
            "cmd %n '%d' \"%e\" $'%a' $((%s+1)) \\%t x%cy \"$%p\" # %d\nnext $(echo %d)")
        let found = template.segments.compactMap { segment -> String? in
            if case .placeholder(let letter, let context) = segment { return "\(letter):\(context)" }
            return nil
        }
        #expect(
            found == [
                "n:unquoted", "d:singleQuoted", "e:doubleQuoted",
                "a:ambiguous(arithmetic: false, afterBackslash: false)",
                "s:arithmetic", "c:unquoted",
                "p:afterDollar", "d:comment", "d:opaque",
            ])
    }

    @Test("benign values render exactly as repmgr's command line")
    func repmgrCompatibleRendering() {
        let template = NotificationTemplate("$BASE/bin/event_notify.sh %n %e %s \"%t\" \"%d\"")
        let rendered = template.render([
            "n": "4", "e": "witness_register", "s": "1", "t": "2026-11-28 06:59:39.125205+00",
            "d": "witness registration succeeded; upstream node ID is 1",
        ])
        #expect(
            rendered
                == "$BASE/bin/event_notify.sh 4 witness_register 1 \"2026-11-28 06:59:39.125205+00\" \"witness registration succeeded; upstream node ID is 1\""
        )
        // Empty values keep their argument position outside quotes; unknown %x stays as it is.
        #expect(NotificationTemplate("x %p %q 100%").render([:]) == "x '' %q 100%")
    }

    @Test("each context quotes the value its own way")
    func quotingRules() {
        let value = "a'b\"c$d`e\\f g"
        #expect(NotificationTemplate("%d").render(["d": value]) == "'a'\\''b\"c$d`e\\f g'")
        #expect(NotificationTemplate("'%d'").render(["d": value]) == "'a'\\''b\"c$d`e\\f g'")
        #expect(NotificationTemplate("\"%d\"").render(["d": value]) == "\"a'b\\\"c\\$d\\`e\\\\f g\"")
        #expect(NotificationTemplate("%d").render(["d": "X=1"]) == "'X=1'")
        #expect(NotificationTemplate("%d").render(["d": "plain-value_1.2"]) == "plain-value_1.2")
        #expect(NotificationTemplate("$((%d))").render(["d": "1; rm"]) == "$((0))")
        #expect(NotificationTemplate("# %d").render(["d": "x\nrm"]) == "# %d")
    }

    // MARK: - Hostile values through a real shell

    @Test("hostile values reach the command byte for byte through /bin/sh and never run anything")
    func hostileValuesThroughShell() async throws {
        let scratch = try Scratch()
        let log = MessageLog()
        let argv = scratch.argvScript
        let templates: [(String, (String, String, String, String) -> [String])] = [
            (
                "\(argv) %a \"%d\" '%d' x%dy \"pre %d post\" 'a %d b' %n %e %s %t \"%t\" %p %c '%c'",
                { name, details, conninfo, timestamp in
                    [
                        name, details, details, "x\(details)y", "pre \(details) post", "a \(details) b", "7",
                        "witness_register", "1", timestamp, timestamp, "3", conninfo, conninfo,
                    ]
                }
            ),
            ("\(argv) $(true) %d `true` %a", { name, details, _, _ in [details, name] }),
            ("\(argv) \"$%d\" $((%n + 1)) $((%d)) \\%d", { _, details, _, _ in [details, "8", "0", "%d"] }),
            ("\(argv) %n # comment %d %a\n\(argv) %s", { _, _, _, _ in ["7", "1"] }),
        ]
        let hostile = Self.hostileValues(pwned: scratch.pwned)
        for value in hostile {
            for (template, expected) in templates {
                scratch.reset()
                let name = "node \(value)"
                let conninfo = "host=h password='\(value)'"
                let timestamp = "2026-11-28 \(value)"
                let notifier = EventNotifier(command: template, timeout: .seconds(10), report: log.sink)
                let outcome = await notifier.notify(
                    Self.event(details: value, name: name, conninfo: conninfo, timestamp: timestamp))
                #expect(outcome == .succeeded, "template \(template) with value \(value.debugDescription)")
                let received = scratch.receivedArguments()
                let stripped = Conninfo.removingPasswords(from: NotificationTemplate.sanitized(conninfo))
                let want = expected(name, value, stripped, timestamp).map(Self.bytes)
                #expect(received == want, "template \(template) with value \(value.debugDescription)")
                #expect(
                    !FileManager.default.fileExists(atPath: scratch.pwned),
                    "value \(value.debugDescription) ran a command")
            }
        }
    }

    @Test("a here-document receives the value through its environment variable")
    func hereDocument() async throws {
        let scratch = try Scratch()
        let log = MessageLog()
        for value in Self.hostileValues(pwned: scratch.pwned) {
            scratch.reset()
            let notifier = EventNotifier(command: "\(scratch.stdinScript) <<EOF\n%d\nEOF", report: log.sink)
            let outcome = await notifier.notify(Self.event(details: value, name: "n", conninfo: "", timestamp: "t"))
            #expect(outcome == .succeeded)
            let expected =
                NotificationTemplate.isInert(NotificationTemplate.sanitized(value))
                ? Self.bytes(value + "\n") : Self.bytes("\"" + value + "\"\n")
            #expect(scratch.receivedInput() == expected, "value \(value.debugDescription)")
            #expect(!FileManager.default.fileExists(atPath: scratch.pwned))
        }
    }

    @Test("the same rendering is exact under bash where bash reads the template as POSIX sh does")
    func hostileValuesThroughBash() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else { return }
        let scratch = try Scratch()
        let template = NotificationTemplate("\(scratch.argvScript) %d \"%d\" '%d' x%dy \"$%d\" $(true) %d")
        for value in Self.hostileValues(pwned: scratch.pwned) {
            scratch.reset()
            let values: [Character: String] = ["d": value]
            var environment = ProcessInfo.processInfo.environment
            environment.merge(template.environment(for: values)) { _, new in new }
            let outcome = await ChildProcess.run(
                ["/bin/bash", "-c", template.render(values)], environment: environment, timeout: .seconds(10))
            #expect(outcome.exitCode == 0, "\(outcome.output)")
            let expected = [value, value, value, "x\(value)y", value, value].map(Self.bytes)
            #expect(scratch.receivedArguments() == expected, "value \(value.debugDescription)")
            #expect(!FileManager.default.fileExists(atPath: scratch.pwned))
        }
    }

    // MARK: - Running the command

    @Test("event_notifications filters events; no command means no notification")
    func filtering() async {
        let log = MessageLog()
        let filtered = EventNotifier(command: "true", events: ["standby_promote"], report: log.sink)
        #expect(filtered.wants("standby_promote"))
        #expect(!filtered.wants("witness_register"))
        #expect(await filtered.notify(Self.event(details: "", name: "", conninfo: "", timestamp: "")) == .skipped)
        #expect(!EventNotifier(command: "  ", report: log.sink).wants("witness_register"))
        #expect(log.messages.isEmpty)
    }

    @Test("a failing command is a warning with its output; a hanging one is killed at the timeout")
    func failuresAndTimeouts() async throws {
        let log = MessageLog()
        let event = Self.event(details: "d", name: "n", conninfo: "", timestamp: "t")
        let failing = EventNotifier(command: "echo broken password=secret >&2; exit 3", report: log.sink)
        #expect(await failing.notify(event) == .failed(exitCode: 3))
        let warning = log.messages.last
        #expect(warning?.level == .warning)
        #expect(warning?.text == "notification command for event \"witness_register\" failed with exit code 3")
        #expect(warning?.detail?.contains("broken") == true)
        #expect(warning?.detail?.contains("secret") == false)

        let started = ContinuousClock.now
        let hanging = EventNotifier(command: "sleep 30; sleep 30", timeout: .seconds(1), report: log.sink)
        #expect(await hanging.notify(event) == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(log.messages.last?.text.contains("did not finish within 1 s and was killed") == true)

        // A background job the command leaves behind does not hold pgwarden up.
        let detached = ContinuousClock.now
        let background = EventNotifier(command: "sleep 10 & exit 0", timeout: .seconds(20), report: log.sink)
        #expect(await background.notify(event) == .succeeded)
        #expect(ContinuousClock.now - detached < .seconds(5))

        let missing = EventNotifier(command: "/nonexistent/notify %n", report: log.sink)
        #expect(await missing.notify(event) == .failed(exitCode: 127))
    }

    @Test("the event recorder notifies even when no event row can be written")
    func fallbackWithoutCatalog() async throws {
        let scratch = try Scratch()
        let log = MessageLog()
        var configuration = NodeConfiguration(
            nodeID: 5, nodeName: "node5", conninfo: "host=127.0.0.1", dataDirectory: "/nonexistent")
        configuration.eventNotificationCommand = "\(scratch.argvScript) %n %e %s \"%t\" \"%d\" %p"
        await EventRecorder(report: log.sink, configuration: configuration).record(
            "standby_promote", nodeID: 5, successful: false, details: "promotion failed", in: nil)
        let received = scratch.receivedArguments().map { String(decoding: $0, as: UTF8.self) }
        #expect(received.count == 6)
        #expect(Array(received.prefix(3)) == ["5", "standby_promote", "0"])
        #expect(received[3].wholeMatch(of: /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{4}/) != nil)
        #expect(Array(received.suffix(2)) == ["promotion failed", ""])
        #expect(log.messages.first?.text == "executing notification command for event \"standby_promote\"")
    }
}
