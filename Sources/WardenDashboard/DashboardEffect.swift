import WardenEngine

/// Work the reducer asks the runtime to do outside the pure state change.
public enum DashboardEffect: Sendable, Equatable {
    case quit
    /// Refresh now instead of waiting for the interval.
    case refreshNow
    case loadDetails(NodeRecord)
    /// Build the operation through the session (which refuses in read-only mode) and prepare it.
    case prepareOperation(flowID: Int, OperationKind, NodeRecord)
    /// Build the cluster-wide pause (`pause` true) or unpause of every node's daemon through the
    /// session (which refuses in read-only mode) and prepare it.
    case prepareDaemonPause(flowID: Int, pause: Bool)
    /// Build the fence (`fence` true) or unfence of the node through the session (which refuses in
    /// read-only mode) and prepare it.
    case prepareFence(flowID: Int, fence: Bool, NodeRecord)
    case runOperation(flowID: Int)
    /// Forget a prepared operation that will not run.
    case discardOperation(flowID: Int)
    /// Run the demo action at this index of ``DashboardState/demoKeys`` for the selected node.
    case runDemoAction(index: Int, NodeRecord?)
}
