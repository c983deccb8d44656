import Foundation
import Testing

@testable import WardenEngine

/// Templates × hostile values through the real `/bin/sh` (and bash when installed), issue 18 finding 5:
/// `fence_command='echo $''\\'''' %d'` with a `--reason` holding newlines ran an injected command,
/// because the renderer read `$'...'` as bash does while `/bin/sh` is dash.
///
/// Each random template (fixed seed, printed on failure; `PGWARDEN_TEMPLATE_SEED` replays another) is
/// rendered once with a benign value and once with each hostile value. No run may create the marker
/// file, none may see the password of `%c`, and where every placeholder is quoted exactly (POSIX sh and
/// bash read the template alike, no command substitution), the hostile run's arguments under `/bin/sh`
/// must be the benign run's with the benign value replaced by the hostile one, byte for byte.
@Suite("Template shell fuzz", .serialized)
struct TemplateShellFuzzTests {
    /// A benign value: letters and digits only, so it is pasted as it is everywhere.
    static let benign = "Qz7benign"
    static let secret = "S3cretPassw0rd"

    /// Pieces a template is made of; `ARGV` is replaced by the argument-recording script.
    static let fragments = [
        "%d", "\"%d\"", "'%d'", "x%dy", "\"pre %d post\"", "'a %d b'", "\"$%d\"", "%a", "\"%a\"", "%t",
        "%c", "'%c'", "\"%c\"", "$(ARGV %d)", "`ARGV %d`", "\"$(ARGV \"%d\")\"", "$((%n + 1))", "\\%d",
        "'it'\\''s'", "\"q\\\"x\"", "\\'", "$'\\''", "$'x'", "$'\\\\'", "$'%d'", "$'\\'%d'", "'\\'", "\"'\"",
        "\"`ARGV %a`\"", "${IFS:+}", "#c %d\n", "; ARGV %d", "&& ARGV '%d'", "|| ARGV \"%d\"",
    ]

    static func hostileValues(marker: String) -> [String] {
        [
            "evil'; touch \(marker); '", "$(touch \(marker))", "`touch \(marker)`", "\"; touch \(marker); \"",
            "line one\ntouch \(marker)\n", "\ntouch \(marker)\n#", "x\\", "\\'\ntouch \(marker)\n'",
            "'\\''$(touch \(marker))'\\''", "$'\\''\ntouch \(marker)\n", "; touch \(marker);", "&& touch \(marker)",
            "| touch \(marker)", "${IFS}touch${IFS}\(marker)", "$((1+1))", "'", "\"", "\\", "%d", "\r\t\u{0B}",
            "a b  c", "X=1", "", "ノード \u{1F600}", "\u{1B}[31m", "a\u{0}b", "*", "~root", "-n",
        ]
    }

    static func values(_ value: String) -> [Character: String] {
        [
            "n": "7", "e": "node_fence", "s": "1", "t": value, "d": value, "p": "3",
            "c": "host=h password=\(secret) dbname=repmgr", "a": "n" + value,
        ]
    }

    /// Runs `template` with `value` through `shell`; returns the arguments the script recorded.
    static func run(
        _ template: NotificationTemplate, value: String, shell: String, scratch: NotificationTemplateTests.Scratch
    ) async -> (arguments: [[UInt8]], environment: [String: String]) {
        scratch.reset()
        let values = values(value)
        var environment = ProcessInfo.processInfo.environment
        environment.merge(template.environment(for: values)) { _, new in new }
        _ = await ChildProcess.run(
            [shell, "-c", template.render(values)], environment: environment, timeout: .seconds(5))
        return (scratch.receivedArguments(), template.environment(for: values))
    }

    /// True when every placeholder stands where the renderer quotes it exactly: not where POSIX sh and
    /// bash disagree, and not in a command substitution or backquote (which get the environment variable).
    static func rendersExactly(_ template: NotificationTemplate) -> Bool {
        !template.segments.contains { segment in
            switch segment {
            case .placeholder(_, .ambiguous), .placeholder(_, .opaque): true
            default: false
            }
        }
    }

    /// `arguments` with every occurrence of `benign` replaced by `value` (as NUL-free bytes).
    static func substituted(_ arguments: [[UInt8]], value: String) -> [[UInt8]] {
        arguments.map { argument in
            Array(
                String(decoding: argument, as: UTF8.self).replacingOccurrences(
                    of: benign, with: NotificationTemplate.sanitized(value)
                ).utf8)
        }
    }

    @Test("random templates × hostile values: nothing runs, no password is seen, values arrive byte for byte")
    func fuzz() async throws {
        let scratch = try NotificationTemplateTests.Scratch()
        let seed = ProcessInfo.processInfo.environment["PGWARDEN_TEMPLATE_SEED"].flatMap { UInt64($0) } ?? 0x5EED_0018
        var generator = SimulationRandom(seed: seed)
        let hostile = Self.hostileValues(marker: scratch.pwned)
        let shells = ["/bin/sh", "/bin/bash"].filter { FileManager.default.isExecutableFile(atPath: $0) }
        var exactChecks = 0
        for round in 0..<90 {
            let count = Int.random(in: 1...4, using: &generator)
            let pieces = (0..<count).map { _ in Self.fragments.randomElement(using: &generator) ?? "%d" }
            let text = "ARGV " + pieces.joined(separator: " ")
            let template = NotificationTemplate(text.replacingOccurrences(of: "ARGV", with: scratch.argvScript))
            let exact = Self.rendersExactly(template)
            let benign = await Self.run(template, value: Self.benign, shell: "/bin/sh", scratch: scratch)
            let picked = (0..<3).map { _ in hostile.randomElement(using: &generator) ?? "" }
            for value in picked {
                for shell in shells {
                    let context =
                        "seed \(seed) round \(round) \(shell): template \(text.debugDescription), value \(value.debugDescription)"
                    let outcome = await Self.run(template, value: value, shell: shell, scratch: scratch)
                    #expect(!FileManager.default.fileExists(atPath: scratch.pwned), "ran a command: \(context)")
                    try? FileManager.default.removeItem(atPath: scratch.pwned)
                    let recorded = outcome.arguments.map { String(decoding: $0, as: UTF8.self) }
                    #expect(!recorded.contains { $0.contains(Self.secret) }, "password in argv: \(context)")
                    #expect(!outcome.environment.values.contains { $0.contains(Self.secret) }, "password: \(context)")
                    if shell == "/bin/sh" && exact {
                        exactChecks += 1
                        #expect(
                            outcome.arguments == Self.substituted(benign.arguments, value: value),
                            "not byte-exact: \(context)")
                    }
                }
            }
        }
        #expect(exactChecks > 100)
    }

    @Test("the template of finding 5, from a configuration file, with a reason holding newlines")
    func findingFive() async throws {
        let scratch = try NotificationTemplateTests.Scratch()
        let text = """
            node_id=2
            node_name='node2'
            conninfo='host=127.0.0.1 dbname=repmgr'
            data_directory='/data'
            fence_command='\(scratch.argvScript) $''\\\\'''' %d'
            """
        let configuration = try ConfigurationLoader.parse(text: text, path: "/etc/repmgr.conf").0
        let command = try #require(FenceCommand(configuration: configuration, fence: true))
        #expect(command.template.text == "\(scratch.argvScript) $'\\'' %d")
        for reason in ["x\ntouch \(scratch.pwned)\n", "'\ntouch \(scratch.pwned)\n'", "' ; touch \(scratch.pwned) ; '"]
        {
            scratch.reset()
            let subject = FenceSubject(nodeID: 2, nodeName: "node2", primaryNodeID: 1, term: 4, reason: reason)
            do {
                try await command.run(for: subject) { _ in }
            } catch {
                // The shell may reject the template's own quoting; only the marker matters here.
            }
            #expect(!FileManager.default.fileExists(atPath: scratch.pwned), "reason \(reason.debugDescription)")
        }
    }
}
