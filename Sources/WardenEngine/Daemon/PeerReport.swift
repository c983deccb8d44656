/// What a daemon publishes about itself every monitoring tick: its ``PeerView`` as the state
/// machine reports it, numbered so that a reader can tell a live daemon (the number keeps
/// changing) from a stale file by its own clock (``ReportFreshness``).
public struct PeerReport: Sendable, Equatable, Codable {
    public var view: PeerView
    /// Counts the daemon's publications since it started.
    public var publication: Int

    public init(view: PeerView, publication: Int) {
        self.view = view
        self.publication = publication
    }
}
