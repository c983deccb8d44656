import Foundation
import WardenEngine
import WardenTerminal

/// Everything that can happen to the dashboard: keys, the clock, refresh results and
/// operation progress. ``DashboardReducer`` turns each into a new state and effects.
public enum DashboardAction: Sendable {
    case key(Key)
    case tick(Date)
    case refreshStarted
    case snapshotLoaded(ClusterSnapshot)
    case refreshFailed(String, at: Date)
    case detailsLoaded(nodeID: Int, NodeDetails)
    case operationPrepared(flowID: Int, OperationPlan)
    case operationMessage(flowID: Int, OperationMessage, elapsed: Duration)
    case operationFinished(flowID: Int, error: WardenError?, elapsed: Duration, at: Date)
    case demoActionFinished(DemoActionResult, at: Date)
}
