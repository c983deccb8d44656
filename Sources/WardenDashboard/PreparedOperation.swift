import WardenEngine

/// An operation that has planned: its preflight checks and intended actions, and the run
/// that carries it out (refused by the engine when a check failed).
public struct PreparedOperation: Sendable {
    public let plan: OperationPlan
    private let body: @Sendable (@escaping MessageSink) async throws(WardenError) -> Void

    public init(
        plan: OperationPlan, run body: @escaping @Sendable (@escaping MessageSink) async throws(WardenError) -> Void
    ) {
        self.plan = plan
        self.body = body
    }

    /// Runs the operation, streaming its steps to `report`.
    public func run(report: @escaping MessageSink) async throws(WardenError) {
        try await body(report)
    }
}
