import Foundation

/// The daemon's own status as it writes it into its ``StateDirectory`` every monitoring interval
/// (`status.json`): what it would write into `repmgr.pgwarden_daemon` on the primary, kept where
/// it can always write, so that a daemon whose node is fenced (read-only) or cut off from the
/// primary still leaves a record of its state on its host.
public struct LocalDaemonStatus: Sendable, Equatable, Codable {
    public var nodeID: Int
    public var pid: Int
    public var state: String
    public var explanation: String
    public var upstreamLastSeen: Date?
    public var updatedAt: Date
    /// The last metadata write to the primary failed because the server was read-only.
    public var primaryWritesRefused: Bool

    public init(
        nodeID: Int, pid: Int, state: String, explanation: String, upstreamLastSeen: Date?, updatedAt: Date,
        primaryWritesRefused: Bool
    ) {
        self.nodeID = nodeID
        self.pid = pid
        self.state = state
        self.explanation = explanation
        self.upstreamLastSeen = upstreamLastSeen
        self.updatedAt = updatedAt
        self.primaryWritesRefused = primaryWritesRefused
    }

    /// Replaces the status file (atomically, not synced: it is rewritten every interval).
    public func write(to state: StateDirectory) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(self) else { return }
        try? SafeFile.replace(state.statusPath, with: data)
    }

    /// The status file in `state`, or nil when there is none or it cannot be read.
    public static func read(from state: StateDirectory) -> LocalDaemonStatus? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = try? SafeFile.contents(state.statusPath, limit: 1_000_000) else { return nil }
        return try? decoder.decode(LocalDaemonStatus.self, from: data)
    }
}
