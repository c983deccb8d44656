/// Writes an operation's event row to `repmgr.events`, with repmgr's event names.
/// A failure to write the row is reported as a warning: the operation itself already happened.
public struct EventRecorder: Sendable {
    public let report: MessageSink

    public init(report: @escaping MessageSink) {
        self.report = report
    }

    public func record(
        _ event: String, nodeID: Int, successful: Bool = true, details: String = "", in catalog: Catalog
    ) async {
        do {
            try await catalog.recordEvent(nodeID: nodeID, event: event, successful: successful, details: details)
        } catch {
            report(OperationMessage(.warning, "unable to record event \"\(event)\"", detail: error.message))
        }
    }
}
