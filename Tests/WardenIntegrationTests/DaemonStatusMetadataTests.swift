import Foundation
import Testing

/// Issue 18, finding 7: `daemon status` trapped (rc 132) on `last_seen = 'infinity'` or
/// `upstream_last_seen = '-infinity'` in `repmgr.pgwarden_daemon`, a table that replicates, so one
/// row broke the command on every node. Every value the table can hold — ±infinity, NULL, the
/// oldest and newest timestamps PostgreSQL accepts, negative and huge PIDs — now gives a report.
@Suite("daemon status on hostile metadata", .serialized)
struct DaemonStatusMetadataTests {
    /// node2's row in `repmgr.pgwarden_daemon` (SQL literals) and what the report must show for it.
    struct Case: Sendable, CustomStringConvertible {
        var pid: String
        var lastSeen: String
        var upstreamLastSeen: String
        /// The "pgwarden", "PID" and "Upstream last seen" cells (nil for the last: a far-past number).
        var daemon: String
        var pidCell: String
        var seenCell: String?
        /// The CSV fields: daemon running, pid, upstream seconds (repmgr's CSV gives them whether or not
        /// the daemon runs; nil: a far-past number).
        var csv: (running: String, pid: String, seen: String?)
        var description: String { "pid=\(pid) last_seen=\(lastSeen) upstream_last_seen=\(upstreamLastSeen)" }
    }

    static let cases: [Case] = [
        // As seen in the issue.
        Case(
            pid: "12345", lastSeen: "'infinity'", upstreamLastSeen: "'-infinity'", daemon: "not running",
            pidCell: "n/a", seenCell: "n/a", csv: ("0", "-1", "-1")),
        Case(
            pid: "12345", lastSeen: "now()", upstreamLastSeen: "'-infinity'", daemon: "running", pidCell: "12345",
            seenCell: "n/a", csv: ("1", "12345", "-1")),
        Case(
            pid: "12345", lastSeen: "now()", upstreamLastSeen: "'infinity'", daemon: "running", pidCell: "12345",
            seenCell: "n/a", csv: ("1", "12345", "-1")),
        Case(
            pid: "12345", lastSeen: "'-infinity'", upstreamLastSeen: "now()", daemon: "not running", pidCell: "n/a",
            seenCell: "n/a", csv: ("0", "-1", "0")),
        // The oldest and the newest timestamps PostgreSQL stores.
        Case(
            pid: "12345", lastSeen: "now()", upstreamLastSeen: "'4713-01-01 00:00:00+00 BC'", daemon: "running",
            pidCell: "12345", seenCell: nil, csv: ("1", "12345", nil)),
        Case(
            pid: "12345", lastSeen: "now()", upstreamLastSeen: "'294276-12-31 23:59:59+00'", daemon: "running",
            pidCell: "12345", seenCell: "0 second(s) ago", csv: ("1", "12345", "0")),
        // NULLs, a negative PID, the largest PID the column holds.
        Case(
            pid: "NULL", lastSeen: "NULL", upstreamLastSeen: "NULL", daemon: "not running", pidCell: "n/a",
            seenCell: "n/a", csv: ("0", "-1", "-1")),
        Case(
            pid: "-1", lastSeen: "now()", upstreamLastSeen: "now()", daemon: "not running", pidCell: "n/a",
            seenCell: "n/a", csv: ("0", "-1", "0")),
        Case(
            pid: "2147483647", lastSeen: "now()", upstreamLastSeen: "now() - interval '1 hour'", daemon: "running",
            pidCell: "2147483647", seenCell: "3600 second(s) ago", csv: ("1", "2147483647", "3600")),
    ]

    @Test("daemon status, --detail, --csv and --explain report every row without trapping")
    func hostileRows() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        // `daemon pause` creates repmgr.pgwarden_daemon with a row per node, as a daemon would.
        _ = try await cluster.pgwarden(node: 1, ["daemon", "pause"]).check()
        _ = try await cluster.pgwarden(node: 1, ["daemon", "unpause"]).check()
        let primary = try cluster.server(1)

        for testCase in Self.cases {
            _ = try primary.psql(
                """
                UPDATE repmgr.pgwarden_daemon
                   SET pid = \(testCase.pid), last_seen = \(testCase.lastSeen),
                       upstream_last_seen = \(testCase.upstreamLastSeen), explanation = 'kept'
                 WHERE node_id = 2
                """)
            let status = try await cluster.pgwarden(node: 1, ["daemon", "status"])
            #expect(status.exitCode == 0, "\(testCase): \(status)")
            let cells = Self.cells(ofNode: 2, in: status.stdout)
            #expect(cells.count == 9, "\(testCase): \(status)")
            if cells.count == 9 {
                #expect(cells[5] == testCase.daemon, "\(testCase)")
                #expect(cells[6] == testCase.pidCell, "\(testCase)")
                if let seen = testCase.seenCell {
                    #expect(cells[8] == seen, "\(testCase)")
                } else {
                    #expect(
                        Self.isFarPast(cells[8].replacingOccurrences(of: " second(s) ago", with: "")), "\(cells[8])")
                }
            }

            let csv = try await cluster.pgwarden(node: 1, ["daemon", "status", "--csv"])
            #expect(csv.exitCode == 0, "\(testCase): \(csv)")
            let fields =
                csv.stdout.split(separator: "\n").first { $0.hasPrefix("2,") }?.split(separator: ",")
                .map(String.init) ?? []
            #expect(fields.count == 10, "\(testCase): \(csv)")
            if fields.count == 10 {
                #expect(fields[4] == testCase.csv.running, "\(testCase)")
                #expect(fields[5] == testCase.csv.pid, "\(testCase)")
                if let seen = testCase.csv.seen {
                    #expect(fields[8] == seen, "\(testCase)")
                } else {
                    #expect(Self.isFarPast(fields[8]), "\(testCase): \(fields[8])")
                }
            }

            for extra in [["--detail"], ["--explain"]] {
                let result = try await cluster.pgwarden(node: 1, ["daemon", "status"] + extra)
                #expect(result.exitCode == 0, "\(testCase) \(extra): \(result)")
                #expect(Self.cells(ofNode: 2, in: result.stdout).count == (extra == ["--detail"] ? 11 : 9))
            }
        }
    }

    /// The trimmed cells of node N's row in a `daemon status` table.
    static func cells(ofNode nodeID: Int, in output: String) -> [String] {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(" \(nodeID) ") }) else { return [] }
        return line.split(separator: "|", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }

    /// True for a number of seconds at least as old as 4713 BC (over 2 × 10¹¹ s before 1970).
    static func isFarPast(_ text: String) -> Bool {
        Int(text).map { $0 > 200_000_000_000 } ?? false
    }
}
