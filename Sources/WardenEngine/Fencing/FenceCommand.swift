import Foundation

/// Runs `fence_command` or `unfence_command` on the host where pgwarden runs, with its placeholders
/// (``FenceSubject``) substituted and quoted exactly as for event notifications
/// (``NotificationTemplate``): a node name such as `x'; rm -rf /; '` stays one inert value. The
/// values are also in the command's environment under the notification variables' names
/// (`PGWARDEN_NODE_ID` for `%n`, `PGWARDEN_PRIMARY_NAME` for `%a`, `PGWARDEN_TIMESTAMP` for `%t`, ...)
/// and under `PGWARDEN_FENCE_NODE_NAME` and `PGWARDEN_FENCE_TERM`.
///
/// A fence command must finish within ``timeout``; a non-zero exit, or one that does not finish,
/// is an error: a fence that may not have happened must never be reported as done.
public struct FenceCommand: Sendable, Equatable {
    /// The template as configured.
    public let template: NotificationTemplate
    /// `node_fence` or `node_unfence`.
    public let event: String

    /// How long the command may run before it is killed.
    public static let timeout: Duration = .seconds(60)

    /// `fence_command` (`fence` true) or `unfence_command` (`fence` false) of `configuration`,
    /// or nil when that key is not set.
    public init?(configuration: NodeConfiguration?, fence: Bool) {
        let text = fence ? configuration?.fenceCommand : configuration?.unfenceCommand
        guard let text, !text.allSatisfy(\.isWhitespace) else { return nil }
        self.init(text, fence: fence)
    }

    /// A command from its template text.
    public init(_ text: String, fence: Bool) {
        self.template = NotificationTemplate(text)
        self.event = fence ? "node_fence" : "node_unfence"
    }

    /// The command line that runs for `subject`.
    public func commandLine(for subject: FenceSubject) -> String {
        template.render(subject.placeholderValues(event: event))
    }

    /// The environment the command gets.
    public func environment(for subject: FenceSubject) -> [String: String] {
        var environment = template.environment(for: subject.placeholderValues(event: event))
        environment["PGWARDEN_FENCE_NODE_NAME"] = NotificationTemplate.sanitized(subject.nodeName)
        environment["PGWARDEN_FENCE_TERM"] = subject.term.map(String.init) ?? ""
        return environment
    }

    /// Runs the command and waits for it; throws when it fails or does not finish in time.
    public func run(for subject: FenceSubject, report: @escaping MessageSink) async throws(WardenError) {
        let command = commandLine(for: subject)
        let shown = Conninfo.maskPasswords(in: command)
        let key = event == "node_fence" ? "fence_command" : "unfence_command"
        report(
            OperationMessage(.info, "executing \(key) for node \(subject.nodeID)", detail: "command is:\n  \(shown)"))
        let outputPath = NSTemporaryDirectory() + "pgwarden-fence-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil, attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let result = await EventNotifier.Shell.run(
            command, appendingOutputTo: outputPath, environment: environment(for: subject), timeout: Self.timeout)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let detail = EventNotifier.tail(of: Conninfo.maskPasswords(in: output))
        guard let exitCode = result.exitCode, !result.timedOut else {
            throw WardenError(
                "\(key) did not finish within \(Self.timeout.components.seconds) s and was killed", detail: detail,
                exitStatus: .localCommand)
        }
        guard exitCode == 0 else {
            throw WardenError(
                "\(key) failed with exit code \(exitCode)", detail: detail ?? "command was:\n  \(shown)",
                exitStatus: .localCommand)
        }
    }
}
