import WardenEngine

/// A demo-only action the executable supplies through ``DashboardOptions`` (killing the primary,
/// hanging a node…). The dashboard only binds its key and calls `run` with the selected node, off
/// the UI thread; what the action does to processes is entirely the executable's business.
public struct DemoAction: Sendable {
    public var key: DemoKey
    /// Runs the action for the selected node (nil when no node is selected).
    public var run: @Sendable (NodeRecord?) async -> DemoActionResult

    public init(key: Character, summary: String, run: @escaping @Sendable (NodeRecord?) async -> DemoActionResult) {
        self.key = DemoKey(key: key, summary: summary)
        self.run = run
    }
}
