/// The contents of a `0000000N.history` file: for each earlier timeline, the WAL position at
/// which the server switched away from it. Used to tell whether a node can follow a new
/// upstream or first needs `pg_rewind`.
public struct TimelineHistory: Sendable, Equatable {
    /// One line: timeline `timeline` ended at `switchpoint`.
    public struct Entry: Sendable, Equatable {
        public var timeline: Int
        public var switchpoint: LSN
    }

    public var entries: [Entry]

    /// Parses the text of a history file (`<tli>\t<lsn>\t<reason>` lines; `#` comments).
    public init(parsing text: String) {
        entries = text.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard fields.count >= 2, !line.hasPrefix("#"), let timeline = Int(fields[0]),
                let switchpoint = LSN(String(fields[1]))
            else { return nil }
            return Entry(timeline: timeline, switchpoint: switchpoint)
        }
    }

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Where `timeline` ended in this history, or nil if it is not an ancestor.
    public func switchpoint(leaving timeline: Int) -> LSN? {
        entries.first { $0.timeline == timeline }?.switchpoint
    }
}

/// Whether a node at (`timeline`, `position`) can stream from an upstream on `upstreamTimeline`
/// whose history is `upstreamHistory`, without rewinding.
public enum TimelineCompatibility: Sendable, Equatable {
    case compatible
    /// The node wrote WAL past the point where the upstream's timeline forked off.
    case diverged(forkPoint: LSN, localPosition: LSN)
    /// The node's timeline is not in the upstream's history at all (or is newer).
    case unrelated

    public static func check(
        timeline: Int, position: LSN, upstreamTimeline: Int, upstreamHistory: TimelineHistory
    ) -> TimelineCompatibility {
        if timeline == upstreamTimeline { return .compatible }
        if timeline > upstreamTimeline { return .unrelated }
        guard let fork = upstreamHistory.switchpoint(leaving: timeline) else { return .unrelated }
        return position <= fork ? .compatible : .diverged(forkPoint: fork, localPosition: position)
    }
}
