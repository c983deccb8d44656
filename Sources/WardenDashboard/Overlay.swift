/// What covers the main screen, if anything. Only one at a time; Esc closes it.
public enum Overlay: Sendable, Equatable {
    case none
    case help
    case details(nodeID: Int)
    /// The `/` prompt with what has been typed so far.
    case filter(draft: String)
    case operation(OperationFlow)
}
