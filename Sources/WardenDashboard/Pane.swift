/// The panes of the main screen, in Tab order.
public enum Pane: Int, CaseIterable, Sendable, Hashable {
    case nodes, lag, events, history

    public var title: String {
        switch self {
        case .nodes: "Nodes"
        case .lag: "Replication lag"
        case .events: "Events"
        case .history: "Monitoring history"
        }
    }

    public var next: Pane { Pane(rawValue: (rawValue + 1) % Self.allCases.count) ?? .nodes }
    public var previous: Pane {
        Pane(rawValue: (rawValue + Self.allCases.count - 1) % Self.allCases.count) ?? .nodes
    }
}
