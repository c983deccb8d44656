import Foundation

/// How the dashboard writes sizes, durations and ages: short, fixed units, no locale.
public enum ValueFormat {
    /// `0 B`, `512 B`, `1.5 kB`, `12 MB`, `3.2 GB` (powers of 1024, as pg_size_pretty).
    public static func bytes(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var scaled = max(0, value)
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        if unit == 0 { return "\(Int(scaled)) B" }
        return scaled < 10 ? String(format: "%.1f %@", scaled, units[unit]) : "\(Int(scaled.rounded())) \(units[unit])"
    }

    /// `0 s`, `0.4 s`, `12 s`, `5 m 3 s`, `2 h 10 m`, `3 d 4 h`.
    public static func seconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        let total = max(0, value)
        if total < 10 && total != total.rounded() { return String(format: "%.1f s", total) }
        let whole = Int(total.rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) m \(whole % 60) s" }
        if whole < 86400 { return "\(whole / 3600) h \((whole % 3600) / 60) m" }
        return "\(whole / 86400) d \((whole % 86400) / 3600) h"
    }

    /// `just now`, `4 s ago`, `3 m 2 s ago`.
    public static func age(_ interval: TimeInterval) -> String {
        if interval < 1 { return "just now" }
        return seconds(interval.rounded(.down)) + " ago"
    }

    /// A refresh interval: `0.5 s`, `2 s`.
    public static func interval(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }
}
