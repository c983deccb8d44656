import Foundation
import WardenEngine

/// One operation on its way through the dashboard: (for a switchover, choose the candidate)
/// → preparing → preflight checklist → (summary) → type-to-confirm → running with streamed
/// steps → finished with the outcome and, for a switchover, a post-check of the cluster.
/// Pausing the daemons targets no node: preparing → confirmation → running → outcome.
public struct OperationFlow: Sendable, Equatable {
    /// Where the flow is.
    public enum Phase: Sendable, Equatable {
        case choosingCandidate
        case preparing
        case checklist(OperationPlan)
        case summary(OperationPlan)
        case confirming(OperationPlan)
        case running(OperationPlan)
        case finished(Outcome)
    }

    /// Which button of a confirmation has the focus; it always starts on Cancel.
    public enum Focus: Sendable, Equatable {
        case cancel, confirm
    }

    /// A node the switchover wizard offers, with why it cannot be chosen (nil: eligible).
    public struct Candidate: Sendable, Equatable {
        public var row: NodeRow
        public var ineligibility: String?
    }

    /// One message the running operation reported, with the time since it started.
    public struct Step: Sendable, Equatable {
        public var message: OperationMessage
        public var elapsed: Duration
    }

    /// How it ended.
    public struct Outcome: Sendable, Equatable {
        public var succeeded: Bool
        public var message: String
        public var detail: String?
        public var hint: String?
        public var elapsed: Duration?
        public var finishedAt: Date
        /// For a switchover: what the first refresh after it found (nil until then).
        public var postCheck: PostCheck?
    }

    /// The cluster as seen after the operation.
    public struct PostCheck: Sendable, Equatable {
        public var passed: Bool
        public var lines: [String]
    }

    public var id: Int
    public var kind: OperationKind
    /// The target node (the candidate, for a switchover); nil until one is chosen.
    public var node: NodeRecord?
    /// For ``OperationKind/pauseDaemons``: true when the flow pauses the daemons, false when it
    /// unpauses them (decided from the snapshot when the key was pressed); nil for other kinds.
    public var pause: Bool?
    /// For ``OperationKind/fence``: true when the flow fences the node, false when it unfences it
    /// (decided from the snapshot when the key was pressed); nil for other kinds.
    public var fence: Bool?
    public var candidates: [Candidate]
    public var candidateIndex: Int
    public var phase: Phase
    public var typedName: String
    public var focus: Focus
    public var steps: [Step]

    public init(
        id: Int, kind: OperationKind, node: NodeRecord?, pause: Bool? = nil, fence: Bool? = nil,
        candidates: [Candidate] = [], phase: Phase
    ) {
        self.id = id
        self.kind = kind
        self.node = node
        self.pause = pause
        self.fence = fence
        self.candidates = candidates
        self.candidateIndex = 0
        self.phase = phase
        self.typedName = ""
        self.focus = .cancel
        self.steps = []
    }

    /// What the flow does, for titles and buttons: "Pause daemons" or "Unpause daemons" for
    /// the daemons' switch, "Fence" or "Unfence" for the fence toggle, the kind's title otherwise.
    public var title: String {
        if let fence { return fence ? "Fence" : "Unfence" }
        switch pause {
        case .some(true): return "Pause daemons"
        case .some(false): return "Unpause daemons"
        case .none: return kind.title
        }
    }

    /// The title with its target node, e.g. "Promote node2"; just the title for a cluster-wide operation.
    public var heading: String {
        node.map { "\(title) \($0.nodeName)" } ?? title
    }

    /// Whether the confirm button may be used: the plan has no failed check, a node-bound
    /// operation has its node and, where required, the node's name has been typed exactly.
    public var canConfirm: Bool {
        guard case .confirming(let plan) = phase, plan.canProceed else { return false }
        guard let node else { return kind.isClusterWide }
        return !kind.requiresTypedName || typedName == node.nodeName
    }
}
