import Foundation

/// One row of `repmgr.pgwarden_fence`: whether a node is fenced, how, why, and when and by
/// which node that state was last set.
public struct FenceRecord: Sendable, Equatable, Codable {
    /// The node the row is about.
    public var nodeID: Int
    /// True while the node is fenced; `node unfence` sets it to false and keeps the row.
    public var fenced: Bool
    /// How it was fenced (column `mode`; nil when the stored mode is not one pgwarden knows).
    public var method: FenceMethod?
    /// Why, as given to `node fence --reason` or by the daemon.
    public var reason: String
    /// When the state was last set, fenced or unfenced (column `fenced_at`).
    public var changedAt: Date?
    /// The node whose pgwarden set it (column `fenced_by`; nil when run without a configuration file).
    public var changedBy: Int?

    /// Describes one row.
    public init(
        nodeID: Int, fenced: Bool, method: FenceMethod?, reason: String, changedAt: Date? = nil, changedBy: Int? = nil
    ) {
        self.nodeID = nodeID
        self.fenced = fenced
        self.method = method
        self.reason = reason
        self.changedAt = changedAt
        self.changedBy = changedBy
    }
}
