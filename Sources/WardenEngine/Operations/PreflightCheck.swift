/// One precondition of an operation and what was found: the unit of a `--dry-run` and
/// of the dashboard's live checklist.
public struct PreflightCheck: Sendable, Equatable {
    public enum Verdict: String, Sendable, Equatable {
        case pass, warning, fail
    }

    public var name: String
    public var verdict: Verdict
    public var reason: String
    /// For a failed check: the error the operation stops with (message, hint, exit code).
    public var failure: WardenError?

    public init(_ name: String, _ verdict: Verdict, _ reason: String, failure: WardenError? = nil) {
        self.name = name
        self.verdict = verdict
        self.reason = reason
        self.failure = failure
    }

    public static func pass(_ name: String, _ reason: String) -> PreflightCheck { .init(name, .pass, reason) }
    public static func warning(_ name: String, _ reason: String) -> PreflightCheck { .init(name, .warning, reason) }

    /// A failed check whose reason is the error's message.
    public static func fail(_ name: String, _ failure: WardenError) -> PreflightCheck {
        .init(name, .fail, failure.message, failure: failure)
    }

    /// The failed check when another registered node already uses this node's name
    /// (node names are application names: they must be unique).
    static func nameClash(_ configuration: NodeConfiguration, among nodes: [NodeRecord]) -> PreflightCheck? {
        guard
            let clash = nodes.first(where: {
                $0.nodeName == configuration.nodeName && $0.nodeID != configuration.nodeID
            })
        else { return nil }
        return .fail(
            "node name",
            WardenError(
                "node name \"\(configuration.nodeName)\" is already used by \(clash.label)",
                hint: "node_name must be unique in the cluster", exitStatus: .badConfig))
    }
}
