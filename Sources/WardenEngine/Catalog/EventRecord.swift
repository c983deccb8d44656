import Foundation

/// One row of `repmgr.events`, joined with the node's name.
public struct EventRecord: Sendable, Equatable, Codable {
    public var nodeID: Int
    public var nodeName: String
    public var event: String
    public var successful: Bool
    public var timestamp: Date
    /// `event_timestamp` as the server formats it (`YYYY-MM-DD HH24:MI:SS` in its time zone).
    public var timestampText: String
    public var details: String

    public init(
        nodeID: Int, nodeName: String, event: String, successful: Bool, timestamp: Date, timestampText: String,
        details: String
    ) {
        self.nodeID = nodeID
        self.nodeName = nodeName
        self.event = event
        self.successful = successful
        self.timestamp = timestamp
        self.timestampText = timestampText
        self.details = details
    }
}
