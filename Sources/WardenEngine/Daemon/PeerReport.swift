import Foundation

/// What a daemon publishes about itself every monitoring tick (its ``PeerView`` as the state
/// machine reports it) with the wall-clock time it was written, so that a reader can tell a
/// live daemon from a stale file.
public struct PeerReport: Sendable, Equatable, Codable {
    public var view: PeerView
    public var writtenAt: Date

    public init(view: PeerView, writtenAt: Date) {
        self.view = view
        self.writtenAt = writtenAt
    }
}
