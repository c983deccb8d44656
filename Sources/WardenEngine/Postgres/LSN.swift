/// A PostgreSQL WAL position (`pg_lsn`), written as two hexadecimal halves `X/Y`.
/// Subtracting two LSNs gives the distance in bytes, which is how lag is measured.
public struct LSN: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    /// Parses the text form `16/B374D848`; returns nil for anything else.
    public init?(_ text: String) {
        let halves = text.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty,
            halves[0].count <= 8, halves[1].count <= 8,
            let high = UInt64(halves[0], radix: 16), let low = UInt64(halves[1], radix: 16)
        else { return nil }
        self.value = (high << 32) | low
    }

    public static let zero = LSN(0)

    public var description: String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    public static func < (lhs: LSN, rhs: LSN) -> Bool { lhs.value < rhs.value }

    /// Bytes from `rhs` to `lhs`; negative when `lhs` is behind.
    public static func - (lhs: LSN, rhs: LSN) -> Int64 {
        lhs.value >= rhs.value ? Int64(clamping: lhs.value - rhs.value) : -Int64(clamping: rhs.value - lhs.value)
    }

    /// The position `bytes` further on (or back, when negative), clamped to the valid range.
    public static func + (lhs: LSN, bytes: Int64) -> LSN {
        if bytes >= 0 {
            let (sum, overflow) = lhs.value.addingReportingOverflow(UInt64(bytes))
            return LSN(overflow ? UInt64.max : sum)
        }
        let magnitude = bytes.magnitude
        return LSN(lhs.value >= magnitude ? lhs.value - magnitude : 0)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = LSN(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an LSN: \(text)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
