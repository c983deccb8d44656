import Foundation
import Synchronization

/// Runs a node's `event_notification_command` for an event, the way repmgr does: only for the event
/// types listed in `event_notifications` (all when empty), with `%n %e %s %t %d` (and `%p %c %a` when the
/// operation provides them) replaced by values quoted for their shell context (``NotificationTemplate``).
///
/// The command runs as `/bin/sh -c <command>` with its output going to a private temporary file, under
/// coreutils `timeout` when available so that on expiry its whole process group is killed. pgwarden waits
/// for the command itself, not for background jobs it starts (`notify.sh ... &` returns at once). The
/// values of the placeholders the template uses are also in its environment (`PGWARDEN_NODE_ID`,
/// `PGWARDEN_DETAILS`, ...), set through `posix_spawn`'s environment, never on a command line; `%c` and
/// `PGWARDEN_PRIMARY_CONNINFO` have no password, and `PGPASSWORD` is not passed on. A command that
/// fails, cannot start or outlives `notification_timeout` becomes a WARNING; it never fails the operation
/// that recorded the event.
public struct EventNotifier: Sendable {
    /// One event and the values of its placeholders.
    public struct Event: Sendable, Equatable {
        /// `%n`: the node the event is about.
        public var nodeID: Int
        /// `%e`: the event type, e.g. `witness_register`.
        public var name: String
        /// `%s`: 1 or 0.
        public var successful: Bool
        /// `%t`: the event's timestamp.
        public var timestamp: String
        /// `%d`: the event's details.
        public var details: String
        /// `%p`: the (current, former or demoted) primary, where the operation names one.
        public var primaryNodeID: Int?
        /// `%c`: that primary's conninfo.
        public var primaryConninfo: String?
        /// `%a`: that primary's node name.
        public var primaryName: String?

        /// Describes one event.
        public init(
            nodeID: Int, name: String, successful: Bool, timestamp: String, details: String,
            primaryNodeID: Int? = nil, primaryConninfo: String? = nil, primaryName: String? = nil
        ) {
            self.nodeID = nodeID
            self.name = name
            self.successful = successful
            self.timestamp = timestamp
            self.details = details
            self.primaryNodeID = primaryNodeID
            self.primaryConninfo = primaryConninfo
            self.primaryName = primaryName
        }

        /// The value of every placeholder letter.
        public var placeholderValues: [Character: String] {
            [
                "n": String(nodeID), "e": name, "s": successful ? "1" : "0", "t": timestamp, "d": details,
                "p": primaryNodeID.map(String.init) ?? "", "c": primaryConninfo ?? "", "a": primaryName ?? "",
            ]
        }
    }

    /// What running the command came to.
    public enum Outcome: Sendable, Equatable {
        /// No command is configured, or `event_notifications` excludes the event.
        case skipped
        /// The command exited with status 0.
        case succeeded
        /// The command exited with another status (127: it could not be started).
        case failed(exitCode: Int32)
        /// The command was still running at the timeout and was killed.
        case timedOut
    }

    /// `event_notification_command`.
    public let template: NotificationTemplate
    /// `event_notifications` (empty: every event).
    public let events: [String]
    /// `notification_timeout`.
    public let timeout: Duration
    /// Where progress and warnings go.
    public let report: MessageSink

    /// A notifier for `command`.
    public init(
        command: String, events: [String] = [], timeout: Duration = .seconds(10), report: @escaping MessageSink
    ) {
        self.template = NotificationTemplate(command)
        self.events = events
        self.timeout = max(timeout, .seconds(1))
        self.report = report
    }

    /// The notifier a node's configuration describes.
    public init(configuration: NodeConfiguration, report: @escaping MessageSink) {
        self.init(
            command: configuration.eventNotificationCommand, events: configuration.eventNotifications,
            timeout: .seconds(max(1, configuration.notificationTimeout)), report: report)
    }

    /// True when a command is configured and `event_notifications` lets `eventName` through.
    public func wants(_ eventName: String) -> Bool {
        !template.text.allSatisfy(\.isWhitespace) && (events.isEmpty || events.contains(eventName))
    }

    /// The command line that would run for `event`.
    public func commandLine(for event: Event) -> String {
        template.render(event.placeholderValues)
    }

    /// Runs the command for `event` and waits for it (at most the timeout plus a few seconds).
    @discardableResult
    public func notify(_ event: Event) async -> Outcome {
        guard wants(event.name) else { return .skipped }
        let command = commandLine(for: event)
        let shown = Conninfo.maskPasswords(in: command)
        report(
            OperationMessage(
                .info, "executing notification command for event \"\(event.name)\"", detail: "command is:\n  \(shown)"))

        let outputPath = NSTemporaryDirectory() + "pgwarden-notify-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil, attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let environment = template.environment(for: event.placeholderValues)
        let seconds = max(1, timeout.components.seconds)
        let result = await Shell.run(command, appendingOutputTo: outputPath, environment: environment, timeout: timeout)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let detail = Self.tail(of: Conninfo.maskPasswords(in: output))

        guard let exitCode = result.exitCode, !result.timedOut else {
            report(
                OperationMessage(
                    .warning,
                    "notification command for event \"\(event.name)\" did not finish within \(seconds) s and was killed",
                    detail: detail, hint: "raise notification_timeout or make the command return sooner"))
            return .timedOut
        }
        if exitCode != 0 {
            let reason = exitCode == 127 ? "could not be run" : "failed with exit code \(exitCode)"
            report(
                OperationMessage(
                    .warning, "notification command for event \"\(event.name)\" \(reason)",
                    detail: detail ?? "parsed event notification command was:\n  \(shown)"))
            return .failed(exitCode: exitCode)
        }
        return .succeeded
    }

    /// repmgr's timestamp when no event row could be written: local time, `2026-11-28 07:01:13+0000`.
    public static func fallbackTimestamp(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ssZ"
        return formatter.string(from: date)
    }

    /// coreutils `timeout`, which kills the command's whole process group on expiry.
    static let timeoutProgram: String? = ["/usr/bin/timeout", "/bin/timeout"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// The last lines of a command's output, or nil when it printed nothing.
    static func tail(of output: String, lines: Int = 20) -> String? {
        let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        return trimmed.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Runs `/bin/sh -c command` with its output appended to a file (``ChildProcess/runLogged(_:logFile:)``:
    /// no pipe, and only the shell itself is waited for, not background jobs or daemons it leaves behind,
    /// such as `notify.sh ... &` or the postmaster of `pg_ctl start`). The command gets this process's
    /// environment without `PGPASSWORD`, plus `environment`, through `posix_spawn` (other users can read a
    /// command line in `ps`, but not another user's environment). With a timeout, the command runs under
    /// coreutils `timeout` (when available), which kills its whole process group on expiry; without
    /// `timeout`, pgwarden stops waiting at the deadline.
    enum Shell {
        /// The command's exit status (nil when it was killed), and whether the timeout killed it.
        struct Result: Sendable, Equatable {
            var exitCode: Int32?
            var timedOut: Bool
        }

        static func run(
            _ command: String, appendingOutputTo outputFile: String, environment: [String: String] = [:],
            timeout: Duration? = nil
        ) async -> Result {
            var arguments = ["/bin/sh", "-c", command]
            var variables = ProcessInfo.processInfo.environment
            variables["PGPASSWORD"] = nil
            variables.merge(environment) { _, new in new }
            let killer = timeout == nil ? nil : EventNotifier.timeoutProgram
            if let timeout, let killer {
                arguments = [killer, "-k", "2", String(max(1, timeout.components.seconds))] + arguments
            }
            let started = ContinuousClock.now
            let finished = CompletionBox()
            Task { [arguments, variables] in
                finished.store(await ChildProcess.runLogged(arguments, logFile: outputFile, environment: variables))
            }
            while true {
                if let outcome = finished.load() {
                    let elapsed = ContinuousClock.now - started
                    if let timeout, killer != nil, outcome.exitCode == 124 || outcome.exitCode == 137,
                        elapsed >= timeout
                    {
                        return Result(exitCode: nil, timedOut: true)
                    }
                    return Result(exitCode: outcome.exitCode, timedOut: false)
                }
                if let timeout, ContinuousClock.now - started > timeout + .seconds(5) {
                    return Result(exitCode: nil, timedOut: true)
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }

        /// Holds the child process's outcome once `ChildProcess.runLogged` returns.
        private final class CompletionBox: Sendable {
            private let outcome = Mutex<ChildProcess.Outcome?>(nil)
            func store(_ value: ChildProcess.Outcome) { outcome.withLock { $0 = value } }
            func load() -> ChildProcess.Outcome? { outcome.withLock { $0 } }
        }
    }
}
