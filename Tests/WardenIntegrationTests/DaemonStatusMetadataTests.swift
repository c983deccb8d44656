import Foundation
import Testing

/// Issue 18, finding 7: `daemon status` trapped (rc 132) on `last_seen = 'infinity'` or
/// `upstream_last_seen = '-infinity'` in `repmgr.pgwarden_daemon`, a table that replicates, so one
/// row broke the command on every node. Every value the table can hold — ±infinity, NULL, the
/// oldest and newest timestamps PostgreSQL accepts, negative and huge PIDs — now gives a report.
@Suite("daemon status on hostile metadata", .serialized)
struct DaemonStatusMetadataTests {
    /// What the report says about the upstream: nothing (`n/a` in the table, `-1` in the CSV), or a
    /// number of seconds in a range (commands take a moment to run after the row is written).
    enum Seen: Sendable {
        case none
        case seconds(ClosedRange<Int>)

        static let now = Seen.seconds(0...30)
        static let farPast = Seen.seconds(200_000_000_000...Int.max)

        func matches(cell: String) -> Bool {
            switch self {
            case .none: cell == "n/a"
            case .seconds(let range):
                cell.hasSuffix(" second(s) ago")
                    && Int(cell.dropLast(" second(s) ago".count)).map(range.contains) == true
            }
        }

        func matches(field: String) -> Bool {
            switch self {
            case .none: field == "-1"
            case .seconds(let range): Int(field).map(range.contains) == true
            }
        }
    }

    /// node2's row in `repmgr.pgwarden_daemon` (SQL literals) and what the report must show for it.
    struct Case: Sendable, CustomStringConvertible {
        var pid: String
        var lastSeen: String
        var upstreamLastSeen: String
        /// The "pgwarden", "PID" and "Upstream last seen" cells.
        var daemon: String
        var pidCell: String
        var seenCell: Seen
        /// The CSV fields: daemon running, pid, upstream seconds (repmgr's CSV gives them whether or not
        /// the daemon runs).
        var csv: (running: String, pid: String, seen: Seen)
        var description: String { "pid=\(pid) last_seen=\(lastSeen) upstream_last_seen=\(upstreamLastSeen)" }
    }

    static let cases: [Case] = [
        // As seen in the issue.
        Case(
            pid: "12345", lastSeen: "'infinity'", upstreamLastSeen: "'-infinity'", daemon: "not running",
            pidCell: "n/a", seenCell: .none, csv: ("0", "-1", .none)),
        Case(
            pid: "12345", lastSeen: "now()", upstreamLastSeen: "'-infinity'", daemon: "running", pidCell: "12345",
            seenCell: .none, csv: ("1", "12345", .none)),
        Case(
            pid: "12345", lastSeen: "now()", upstreamLastSeen: "'infinity'", daemon: "running", pidCell: "12345",
            seenCell: .none, csv: ("1", "12345", .none)),
        Case(
            pid: "12345", lastSeen: "'-infinity'", upstreamLastSeen: "now()", daemon: "not running", pidCell: "n/a",
            seenCell: .none, csv: ("0", "-1", .now)),
        // The oldest and the newest timestamps PostgreSQL stores.
        Case(
            pid: "12345", lastSeen: "now()", upstreamLastSeen: "'4713-01-01 00:00:00+00 BC'", daemon: "running",
            pidCell: "12345", seenCell: .farPast, csv: ("1", "12345", .farPast)),
        Case(
            pid: "12345", lastSeen: "now()", upstreamLastSeen: "'294276-12-31 23:59:59+00'", daemon: "running",
            pidCell: "12345", seenCell: .seconds(0...0), csv: ("1", "12345", .seconds(0...0))),
        // NULLs, a negative PID, the largest PID the column holds.
        Case(
            pid: "NULL", lastSeen: "NULL", upstreamLastSeen: "NULL", daemon: "not running", pidCell: "n/a",
            seenCell: .none, csv: ("0", "-1", .none)),
        Case(
            pid: "-1", lastSeen: "now()", upstreamLastSeen: "now()", daemon: "not running", pidCell: "n/a",
            seenCell: .none, csv: ("0", "-1", .now)),
        Case(
            pid: "2147483647", lastSeen: "now()", upstreamLastSeen: "now() - interval '1 hour'", daemon: "running",
            pidCell: "2147483647", seenCell: .seconds(3600...3630), csv: ("1", "2147483647", .seconds(3600...3630))),
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
                #expect(testCase.seenCell.matches(cell: cells[8]), "\(testCase): \(cells[8])")
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
                #expect(testCase.csv.seen.matches(field: fields[8]), "\(testCase): \(fields[8])")
            }

            for extra in [["--detail"], ["--explain"]] {
                let result = try await cluster.pgwarden(node: 1, ["daemon", "status"] + extra)
                #expect(result.exitCode == 0, "\(testCase) \(extra): \(result)")
                #expect(Self.cells(ofNode: 2, in: result.stdout).count == (extra == ["--detail"] ? 11 : 9))
            }
        }
    }

    @Test("cluster show --json reads a lease column holding anything: a bad value is no lease, never a failure")
    func hostileLeases() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        try await cluster.addStandby(2, upstream: 1)
        _ = try await cluster.pgwarden(node: 1, ["daemon", "pause"]).check()
        _ = try await cluster.pgwarden(node: 1, ["daemon", "unpause"]).check()
        let valid = #"{"state":"granted","term":3,"holderNodeID":1,"grantedBy":[],"expiresInMilliseconds":-5}"#
        let values: [(sql: String, leaseState: String?)] = [
            ("'\(valid)'", "granted"),
            (#"'{"state":"bogus","term":1,"grantedBy":[],"expiresInMilliseconds":1}'"#, nil),
            (#"'{"state":"held","term":1e400,"grantedBy":[],"expiresInMilliseconds":1}'"#, nil),
            (#"'[1,2,3]'"#, nil), (#"'"\u001b[5m"'"#, nil), ("'null'", nil), ("NULL", nil),
        ]
        for value in values {
            _ = try cluster.server(1).psql(
                "UPDATE repmgr.pgwarden_daemon SET lease = \(value.sql), last_seen = 'infinity' WHERE node_id = 2")
            let show = try await cluster.pgwarden(node: 1, ["cluster", "show", "--json"])
            #expect(show.exitCode == 0, "\(value.sql): \(show)")
            let nodes = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [[String: Any]] ?? []
            let daemon = nodes.first { $0["id"] as? Int == 2 }?["daemon"] as? [String: Any]
            #expect(daemon != nil, "\(value.sql): \(show.stdout)")
            let lease = daemon?["lease"] as? [String: Any]
            #expect(lease?["state"] as? String == value.leaseState, "\(value.sql): \(show.stdout)")
            #expect(!show.stdout.contains("\u{1b}"))
        }
    }

    @Test("cluster events lists events stamped ±infinity (the neighbouring report of the same metadata)")
    func infiniteEventTimestamps() async throws {
        let cluster = try PgwardenCluster()
        defer { cluster.shutdown() }
        try await cluster.createPrimary()
        _ = try cluster.server(1).psql(
            """
            INSERT INTO repmgr.events (node_id, event, successful, event_timestamp, details)
            VALUES (1, 'far_future', true, 'infinity', 'a'), (1, 'far_past', true, '-infinity', 'b')
            """)
        for format in [[], ["--csv"], ["--json"]] {
            let events = try await cluster.pgwarden(node: 1, ["cluster", "events", "--all"] + format)
            #expect(events.exitCode == 0, "\(format): \(events)")
            #expect(events.stdout.contains("far_future") && events.stdout.contains("far_past"), "\(events)")
            #expect(events.stdout.contains("primary_register"), "\(events)")
        }
    }

    /// The trimmed cells of node N's row in a `daemon status` table.
    static func cells(ofNode nodeID: Int, in output: String) -> [String] {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(" \(nodeID) ") }) else { return [] }
        return line.split(separator: "|", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }
}
