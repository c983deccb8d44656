import Foundation

/// How far a `standby clone` copy has got, from pg_basebackup's `--progress` lines.
public struct CloneProgress: Sendable, Equatable {
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var elapsed: Duration

    public init(bytesDone: Int64, bytesTotal: Int64, elapsed: Duration) {
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.elapsed = elapsed
    }

    /// Parses a pg_basebackup progress line such as `12345/29876 kB (41%), 0/1 tablespace`.
    public static func parse(_ line: String, elapsed: Duration) -> CloneProgress? {
        guard let kB = line.range(of: " kB") else { return nil }
        let numbers = line[..<kB.lowerBound].split(separator: " ").last?.split(separator: "/") ?? []
        guard numbers.count == 2, let done = Int64(numbers[0]), let total = Int64(numbers[1]) else { return nil }
        return CloneProgress(bytesDone: done * 1024, bytesTotal: total * 1024, elapsed: elapsed)
    }

    public var fraction: Double { bytesTotal > 0 ? min(1, Double(bytesDone) / Double(bytesTotal)) : 0 }

    /// Bytes per second so far.
    public var rate: Double {
        let seconds = Double(elapsed.milliseconds) / 1000
        return seconds > 0 ? Double(bytesDone) / seconds : 0
    }

    /// Seconds left at the current rate, or nil before there is a rate.
    public var estimatedSecondsLeft: Double? {
        rate > 0 ? Double(max(0, bytesTotal - bytesDone)) / rate : nil
    }

    /// `12.0 MB of 29.0 MB (41%), 8.1 MB/s, ETA 2 s`.
    public var summary: String {
        let eta = estimatedSecondsLeft.map { "ETA \(Int($0.rounded(.up))) s" } ?? "ETA unknown"
        return "\(ByteFormat.megabytes(bytesDone)) of \(ByteFormat.megabytes(bytesTotal)) "
            + "(\(Int(fraction * 100))%), \(ByteFormat.megabytes(Int64(rate)))/s, \(eta)"
    }
}

/// Human-readable byte counts.
public enum ByteFormat {
    public static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }

    /// PostgreSQL's `pg_size_pretty` style: `29 MB`, `512 kB`, `17 bytes`.
    public static func pretty(_ bytes: Int64) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 10 * 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return "\(Int(value.rounded())) \(units[unit])"
    }
}
