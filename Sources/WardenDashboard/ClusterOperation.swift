import WardenEngine

/// One engine operation aimed at one node (or, for a cluster-wide one, at none), as a value:
/// preparing it runs the engine's `prepare` (its preflight checks), and the result's `run`
/// runs the engine's `run`.
public struct ClusterOperation: Sendable {
    public let kind: OperationKind
    /// The target node; nil for a cluster-wide operation (pausing the daemons).
    public let node: NodeRecord?
    private let body: @Sendable (@escaping MessageSink) async throws(WardenError) -> PreparedOperation

    public init(
        kind: OperationKind, node: NodeRecord?,
        prepare body: @escaping @Sendable (@escaping MessageSink) async throws(WardenError) -> PreparedOperation
    ) {
        self.kind = kind
        self.node = node
        self.body = body
    }

    /// Plans the operation (connects, checks, changes nothing).
    public func prepare(report: @escaping MessageSink) async throws(WardenError) -> PreparedOperation {
        try await body(report)
    }
}
