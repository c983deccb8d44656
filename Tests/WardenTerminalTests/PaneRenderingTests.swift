import Foundation
import Testing
import WardenDashboard
import WardenEngine
import WardenTerminal

/// Every pane of the main screen, asserted on the rendered screen's text and styles.
@Suite("Dashboard panes")
struct PaneRenderingTests {
    typealias F = DashboardFixtures

    func line(_ screen: Screen, containing text: String) -> String? {
        screen.lines.first { $0.contains(text) }
    }

    @Test("status bar: verdict, primary, term, data age, interval and RW badge")
    func statusBar() {
        let screen = F.render(F.state())
        let top = screen.lines[0]
        #expect(top.hasPrefix(" pgwarden  HEALTHY  primary node1 │ term 4 │ updated 1 s ago"))
        #expect(top.hasSuffix(" every 2 s  RW"))
        let theme = F.state().theme
        let verdictCell = screen[11, 0]
        #expect(verdictCell.style.background == theme[.ok].foreground)
        #expect(verdictCell.style.foreground == theme[.statusBar].background)
        var mono = F.state()
        mono.themes = mono.themes.map { $0.adapted(to: .monochrome) }
        #expect(F.render(mono)[11, 0].style.attributes.contains(.reverse))
    }

    @Test("status bar: stale data with the refresh error, paused and RO badges")
    func staleStatus() {
        var state = F.state(mode: .readOnly)
        _ = DashboardReducer.reduce(&state, .refreshFailed("connection refused", at: F.epoch.addingTimeInterval(30)))
        _ = DashboardReducer.reduce(&state, .tick(F.epoch.addingTimeInterval(42)))
        _ = F.press([.character(" ")], &state)
        let top = F.render(state).lines[0]
        #expect(top.contains("STALE 42 s: connection refused"))
        #expect(top.hasSuffix(" PAUSED  RO"))
        var old = F.state()
        _ = DashboardReducer.reduce(&old, .tick(F.epoch.addingTimeInterval(60)))
        #expect(F.render(old).lines[0].contains("STALE: updated 1 m 0 s ago"))
    }

    @Test("nodes pane: tree, repmgr markers, LSNs and lag; wide layout has every column")
    func nodesWide() {
        let screen = F.render(F.state(), 160, 40)
        let header = line(screen, containing: "Status")
        #expect(header?.contains("ID Name") == true)
        for column in ["Role", "Upstream", "Location", "Prio", "TLI", "WAL LSN", "Replay LSN", "Lag", "Lag time"] {
            #expect(header?.contains(column) == true, "missing column \(column)")
        }
        let node1 = screen.lines.first { $0.hasPrefix("│") && $0.contains(" node1 ") && $0.contains("primary") }
        #expect(node1?.contains("* running") == true)
        #expect(node1?.contains("3/0") == true)
        let node2 = line(screen, containing: "└─ node2")
        #expect(node2?.contains("  running") == true)
        #expect(node2?.contains("16 MB") == true)
        #expect(node2?.contains("2 s") == true)
        let node3 = line(screen, containing: "   └─ node3")
        #expect(node3?.contains("1.0 kB") == true)
        #expect(node3?.contains("11 m 40 s") == true)
    }

    @Test("nodes pane: lag coloured by the thresholds, status never by colour alone")
    func nodesStyles() {
        let state = F.state()
        let screen = F.render(state, 160, 40)
        let theme = state.theme
        let node3 = F.at(screen, "11 m 40 s")
        #expect(screen[node3.x, node3.y].style == theme[.critical])
        let node2Lag = F.at(screen, "16 MB")
        #expect(screen[node2Lag.x, node2Lag.y].style == theme[.ok])
        let down = F.render(F.state(snapshot: F.snapshot(node3Down: true)), 160, 40)
        let unreachable = F.at(down, "? unreachable")
        #expect(down[unreachable.x, unreachable.y].style == theme[.critical])
        #expect(down.lines[0].contains("DEGRADED"))
    }

    @Test("nodes pane: the selected row is highlighted only while the pane has focus")
    func selection() {
        var state = F.state()
        _ = F.press([.down], &state)
        let screen = F.render(state, 160, 40)
        let node2 = F.at(screen, "node2")
        #expect(screen[node2.x, node2.y].style == state.theme[.selection])
        _ = F.press([.tab], &state)
        let unfocused = F.render(state, 160, 40)
        #expect(unfocused[node2.x, node2.y].style != state.theme[.selection])
    }

    @Test("narrow layout (80x24) drops the less important columns and keeps status and lag")
    func nodesNarrow() {
        let screen = F.render(F.state(), 80, 24)
        #expect(screen.lines.allSatisfy { CharacterWidth.of($0) <= 80 })
        let header = line(screen, containing: "Status")
        #expect(header?.contains("Location") == false)
        #expect(header?.contains("Upstream") == false)
        #expect(header?.contains("Lag") == true)
        #expect(line(screen, containing: "node3")?.contains("running") == true)
        #expect(screen.lines[23].contains("?:help"))
        #expect(screen.lines[0].contains("HEALTHY"))
    }

    @Test("lag pane: a bytes and a time sparkline per standby with current and max")
    func lagPane() throws {
        var state = F.state()
        var snapshot = F.snapshot()
        snapshot.fetchedAt = F.epoch.addingTimeInterval(2)
        _ = DashboardReducer.reduce(&state, .snapshotLoaded(snapshot))
        let screen = F.render(state, 120, 40)
        let bytes = try #require(line(screen, containing: "node2  bytes"))
        #expect(bytes.contains("now     16 MB max 16 MB"))
        #expect(bytes.contains("███"))
        let times = screen.lines.filter { $0.contains("  time ") }
        #expect(times.first?.contains("now       2 s max 2 s") == true)
        #expect(times.dropFirst().first?.contains("now 11 m 40 s max 11 m 40 s") == true)
        #expect(times.allSatisfy { $0.hasSuffix("│") && CharacterWidth.of($0) <= 120 })
        let now = F.at(screen, "now    1.0 kB")
        #expect(screen[now.x - 2, now.y].character == "█")
        #expect(screen[now.x - 2, now.y].style == state.theme[.critical])
    }

    @Test("history pane explains an empty monitoring_history")
    func historyEmpty() {
        let screen = F.render(F.state(), 120, 40)
        #expect(line(screen, containing: "Monitoring history · 1 h (w)") != nil)
        #expect(line(screen, containing: "No rows in repmgr.monitoring_history for the last 1 h.") != nil)
        #expect(line(screen, containing: "The table is empty") != nil)
        let old = F.render(F.state(snapshot: F.snapshot(newestHistoryRow: F.epoch.addingTimeInterval(-7200))), 120, 40)
        #expect(line(old, containing: "The newest row is 2 h 0 m ago.") != nil)
    }

    @Test("history pane plots each standby's monitoring_history buckets")
    func historySeries() throws {
        let series = DashboardQueries.HistorySeries(
            standbyNodeID: 2, replicationLagBytes: [0, 1024, nil, 4096], applyLagSeconds: [0, 1, nil, 400], rowCount: 30
        )
        let state = F.state(snapshot: F.snapshot(history: [series]))
        let screen = F.render(state, 120, 40)
        let bytes = try #require(screen.lines.first { $0.contains("node2") && $0.contains("max 4.0 kB") })
        #expect(bytes.contains("█"))
        let time = try #require(screen.lines.first { $0.contains("time") && $0.contains("max 6 m 40 s") })
        #expect(time.contains("█"))
    }

    @Test("history resampling keeps the maximum of each group")
    func resample() {
        #expect(HistoryPane.resample([1, 5, nil, 2], to: 2) == [5, 2])
        #expect(HistoryPane.resample([1, nil], to: 4) == [1, 1, nil, nil])
        #expect(HistoryPane.resample([], to: 3).isEmpty)
    }

    @Test("events pane: newest first, success and failure marked, filterable")
    func eventsPane() {
        var state = F.state()
        let screen = F.render(state, 120, 40)
        let rows = screen.lines.filter { $0.contains("2027-01-15") }
        #expect(rows.count == 3)
        #expect(rows[0].contains("✓ node3 standby_register"))
        #expect(rows[1].contains("✗ node2 standby_follow"))
        let failed = F.at(screen, "standby_follow")
        #expect(screen[failed.x, failed.y].style == state.theme[.critical])
        _ = F.press([.tab, .tab, .character("/")], &state)
        #expect(state.focus == .events)
        _ = F.press("node1".map { .character($0) } + [.enter], &state)
        let filtered = F.render(state, 120, 40)
        #expect(filtered.lines.filter { $0.contains("2027-01-15") }.count == 1)
        #expect(line(filtered, containing: "Events · 1 · /node1") != nil)
    }

    @Test("daemons get a Daemon column: state, paused, stopped; details show the failover explanation")
    func daemons() throws {
        let rows = [
            1: try F.daemon(1, pid: 4242, state: "monitoring primary"),
            2: try F.daemon(2, pid: 4243, paused: true),
            3: try F.daemon(3, pid: nil, state: "", explanation: "not promoting: node1 is visible to 2 of 3 nodes"),
        ]
        var state = F.state(snapshot: F.snapshot(daemons: rows))
        let screen = F.render(state, 200, 40)
        #expect(line(screen, containing: "Daemon") != nil)
        #expect(line(screen, containing: "1 node1")?.contains("monitoring pr…") == true)
        #expect(line(screen, containing: "└─ node2")?.contains("paused") == true)
        #expect(line(screen, containing: "└─ node3")?.contains("stopped") == true)
        let paused = F.at(screen, "paused")
        #expect(screen[paused.x, paused.y].style == state.theme[.paused])
        #expect(!F.render(F.state(), 200, 40).text.contains("Daemon"))
        F.press([.end, .enter], &state)
        let details = F.render(state, 120, 40).text
        #expect(details.contains("stopped"))
        #expect(details.contains("not promoting: node1 is visible to 2 of 3 nodes"))
    }

    @Test("details show the primary's lease with its expiry counted on from the daemon's last report")
    func leaseInDetails() throws {
        var primary = try F.daemon(1, pid: 4242, state: "monitoring", explanation: "lease: stale line")
        primary.lease = LeaseStatus(
            state: .held, term: 3, holderNodeID: 1, grantedBy: [2, 3], needed: 2, voters: 3,
            expiresInMilliseconds: 5000)
        var state = F.state(snapshot: F.snapshot(daemons: [1: primary]))
        F.press([.enter], &state)
        let details = F.render(state, 140, 40).text
        // Reported some seconds before the dashboard's clock: only the rest of the 5 s is left.
        let age = try #require(primary.lastSeen.map { state.now.timeIntervalSince($0) })
        #expect(age >= 1)
        let left = MonitorInstant.durationText(milliseconds: 5000 - Int64(age * 1000))
        #expect(
            details.contains(
                "lease: held for term 3, granted by node2, node3 (2 of 3 needed), valid for another \(left)"),
            "\(details)")
        #expect(!details.contains("stale line"))
    }

    @Test("ASCII glyphs replace box drawing, tree and sparkline characters")
    func asciiFallback() {
        var state = F.state()
        state.glyphs = .ascii
        let screen = F.render(state, 120, 40)
        #expect(screen.lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
        #expect(line(screen, containing: "`- node2") != nil)
    }

    @Test("wall mode: verdict band, no selection, no action or navigation keys")
    func wall() {
        let state = F.state(mode: .wall, operations: [.switchover])
        let screen = F.render(state, 120, 40)
        #expect(screen.lines[2].contains("H E A L T H Y"))
        #expect(screen.lines[3].contains("primary node1 · term 4 · 3 nodes"))
        #expect(screen.lines[0].hasSuffix("WALL RO"))
        #expect(!screen.lines[39].contains("Tab"))
        #expect(!screen.lines[39].contains("s:"))
        let node1 = F.at(screen, "node1")
        #expect(screen[node1.x, node1.y].style != state.theme[.selection])
        let small = F.render(state, 80, 24)
        #expect(small.lines[2].contains("H E A L T H Y"))
        #expect(small.text.contains("node3"))
    }

    @Test("a terminal below 40x10 gets a message, not a broken layout")
    func tooSmall() {
        let screen = F.render(F.state(), 30, 8)
        #expect(screen.text.contains("terminal too small"))
    }

    @Test("no overflow and every pane present from 80x24 to 250x80")
    func sizes() {
        for (columns, rows) in [(80, 24), (100, 30), (120, 40), (250, 80)] {
            let screen = F.render(F.state(), columns, rows)
            #expect(screen.lines.count == rows)
            for title in ["Nodes", "Events"] {
                #expect(screen.text.contains(title), "\(title) missing at \(columns)x\(rows)")
            }
            if columns >= 100 { #expect(screen.text.contains("Monitoring history")) }
        }
    }
}
