/// The fields of `pg_controldata` that decide whether a stopped node can rejoin and whether
/// it needs `pg_rewind`.
public struct ControlData: Sendable, Equatable {
    public var state: String
    public var timeline: Int
    public var checkpointLocation: LSN
    public var minimumRecoveryEnd: LSN
    public var walLogHints: Bool
    public var checksumsEnabled: Bool

    /// "shut down" (a primary) or "shut down in recovery" (a standby).
    public var shutDownCleanly: Bool { state == "shut down" || state == "shut down in recovery" }

    /// True when the node stopped without a clean shutdown while it was a standby (killed, or its
    /// host crashed): it was recovering from another server's WAL and wrote none of its own.
    public var crashedInRecovery: Bool { state == "in archive recovery" }

    /// The furthest WAL position the node is known to have.
    public var position: LSN { max(checkpointLocation, minimumRecoveryEnd) }

    /// Parses `pg_controldata` output (`Name:   value` lines).
    public init?(parsing text: String) {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let state = fields["Database cluster state"],
            let timeline = fields["Latest checkpoint's TimeLineID"].flatMap({ Int($0) }),
            let checkpoint = fields["Latest checkpoint location"].flatMap({ LSN($0) })
        else { return nil }
        self.state = state
        self.timeline = timeline
        self.checkpointLocation = checkpoint
        self.minimumRecoveryEnd = fields["Minimum recovery ending location"].flatMap { LSN($0) } ?? .zero
        self.walLogHints = fields["wal_log_hints setting"] == "on"
        self.checksumsEnabled = (fields["Data page checksum version"] ?? "0") != "0"
    }

    public init(
        state: String, timeline: Int, checkpointLocation: LSN, minimumRecoveryEnd: LSN, walLogHints: Bool,
        checksumsEnabled: Bool
    ) {
        self.state = state
        self.timeline = timeline
        self.checkpointLocation = checkpointLocation
        self.minimumRecoveryEnd = minimumRecoveryEnd
        self.walLogHints = walLogHints
        self.checksumsEnabled = checksumsEnabled
    }
}
