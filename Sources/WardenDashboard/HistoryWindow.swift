/// How far back the monitoring-history pane looks.
public enum HistoryWindow: Int, CaseIterable, Sendable {
    case fiveMinutes = 300
    case oneHour = 3600
    case oneDay = 86400

    public var duration: Duration { .seconds(rawValue) }

    public var label: String {
        switch self {
        case .fiveMinutes: "5 min"
        case .oneHour: "1 h"
        case .oneDay: "24 h"
        }
    }

    /// The next window, wrapping around.
    public var next: HistoryWindow {
        let all = Self.allCases
        let index = all.firstIndex(of: self) ?? 0
        return all[(index + 1) % all.count]
    }
}
