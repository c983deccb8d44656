/// Writes an operation's event row to `repmgr.events`, with repmgr's event names, and runs the
/// node's `event_notification_command` for it (``EventNotifier``).
///
/// A failure to write the row is reported as a warning: the operation itself already happened. The
/// notification command runs even then, with a local timestamp — repmgr's fallback for when no
/// primary is reachable, which is exactly when someone should hear about it.
public struct EventRecorder: Sendable {
    public let report: MessageSink
    /// The configuration of the node the command runs on; its `event_notification_command`
    /// is run for each event (nil: no notifications).
    public let configuration: NodeConfiguration?

    public init(report: @escaping MessageSink, configuration: NodeConfiguration? = nil) {
        self.report = report
        self.configuration = configuration
    }

    /// Records `event` in `catalog` (nil: no metadata connection, notify only) and notifies.
    /// `primaryNodeID`, `primaryConninfo` and `primaryName` fill repmgr's `%p`, `%c` and `%a`.
    public func record(
        _ event: String, nodeID: Int, successful: Bool = true, details: String = "", in catalog: Catalog?,
        primaryNodeID: Int? = nil, primaryConninfo: String? = nil, primaryName: String? = nil
    ) async {
        var timestamp: String?
        if let catalog {
            do {
                timestamp = try await catalog.recordEvent(
                    nodeID: nodeID, event: event, successful: successful, details: details)
            } catch {
                report(OperationMessage(.warning, "unable to record event \"\(event)\"", detail: error.message))
            }
        }
        guard let configuration else { return }
        let notifier = EventNotifier(configuration: configuration, report: report)
        guard notifier.wants(event) else { return }
        await notifier.notify(
            EventNotifier.Event(
                nodeID: nodeID, name: event, successful: successful,
                timestamp: timestamp.flatMap { $0.isEmpty ? nil : $0 } ?? EventNotifier.fallbackTimestamp(),
                details: details, primaryNodeID: primaryNodeID, primaryConninfo: primaryConninfo,
                primaryName: primaryName))
    }
}
