import Foundation
import Testing

@testable import WardenEngine

/// Issue 18, finding 7, without a server: the two conversions `daemon status` makes of a
/// timestamp from the replicated metadata cannot trap, whatever the row holds.
@Suite("Metadata timestamps")
struct MetadataTimestampTests {
    @Test(
        "extract(epoch ...) of ±infinity, NaN and NULL is no date; finite values are kept",
        arguments: [
            ("Infinity", nil), ("-Infinity", nil), ("NaN", nil), (nil, nil), ("1700000000.5", 1_700_000_000.5),
            ("-210866803200", -210_866_803_200), ("9224318015999", 9_224_318_015_999), ("garbage", nil),
        ] as [(String?, Double?)])
    func epochDate(text: String?, seconds: Double?) {
        let result = QueryResult(columns: ["seen"], values: [[text]], affectedRows: 0)
        #expect(result.first?.epochDate("seen")?.timeIntervalSince1970 == seconds)
    }

    @Test("seconds since a date: nil without one, 0 for the future, clamped for any finite distance")
    func secondsSince() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(DaemonStatusReport.secondsSince(nil, now: now) == nil)
        #expect(DaemonStatusReport.secondsSince(Date(timeIntervalSince1970: .infinity), now: now) == nil)
        #expect(DaemonStatusReport.secondsSince(Date(timeIntervalSince1970: -.infinity), now: now) == nil)
        #expect(DaemonStatusReport.secondsSince(Date(timeIntervalSince1970: 1_700_000_100), now: now) == 0)
        #expect(DaemonStatusReport.secondsSince(Date(timeIntervalSince1970: 1_699_999_940), now: now) == 60)
        #expect(DaemonStatusReport.secondsSince(Date(timeIntervalSince1970: -1e300), now: now) == Int.max)
    }
}
