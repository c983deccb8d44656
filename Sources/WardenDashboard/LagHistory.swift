/// The lag of every standby over the last refreshes, for the live sparklines. Each series is
/// capped at `capacity` samples, so memory stays flat however long the dashboard runs.
public struct LagHistory: Sendable, Equatable {
    public let capacity: Int
    public private(set) var series: [Int: [LagSample]] = [:]

    public init(capacity: Int = 240) {
        self.capacity = max(1, capacity)
    }

    /// Adds one sample per node in `samples`; nodes no longer present are forgotten.
    public mutating func append(_ samples: [Int: LagSample]) {
        for nodeID in series.keys where samples[nodeID] == nil {
            series[nodeID] = nil
        }
        for (nodeID, sample) in samples {
            var values = series[nodeID] ?? []
            if values.count >= capacity { values.removeFirst(values.count - capacity + 1) }
            values.append(sample)
            series[nodeID] = values
        }
    }

    public func samples(for nodeID: Int) -> [LagSample] { series[nodeID] ?? [] }
}
