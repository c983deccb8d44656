import Foundation
import Testing
import WardenDashboard
import WardenEngine
import WardenTerminal

/// Keys through the reducer: navigation, refresh control, themes, filters, the help overlay
/// and the read-only key map.
@Suite("Dashboard keys and reducer")
struct KeymapAndReducerTests {
    typealias F = DashboardFixtures

    @Test("q and Ctrl-C quit")
    func quit() {
        var state = F.state()
        #expect(F.press([.character("q")], &state) == [.quit])
        #expect(state.shouldQuit)
        var other = F.state()
        #expect(F.press([.control("c")], &other) == [.quit])
    }

    @Test("Ctrl-L asks the UI loop for a whole repaint and changes nothing else")
    func repaint() {
        var state = F.state()
        let before = state.selectedNodeID
        #expect(F.press([.control("l")], &state) == [])
        #expect(state.repaintRequests == 1)
        F.press([.control("l")], &state)
        #expect(state.repaintRequests == 2)
        #expect(state.selectedNodeID == before)
        #expect(!state.shouldQuit)
    }

    @Test("arrows and hjkl move the selection and the focus")
    func navigation() {
        var state = F.state()
        #expect(state.selectedNodeID == 1)
        F.press([.down, .character("j")], &state)
        #expect(state.selectedNodeID == 3)
        F.press([.down], &state)
        #expect(state.selectedNodeID == 3)
        F.press([.character("k"), .home], &state)
        #expect(state.selectedNodeID == 1)
        F.press([.end], &state)
        #expect(state.selectedNodeID == 3)
        F.press([.tab], &state)
        #expect(state.focus == .lag)
        F.press([.character("l"), .right], &state)
        #expect(state.focus == .history)
        F.press([.character("h"), .left, .backTab], &state)
        #expect(state.focus == .nodes)
    }

    @Test("+ and - step the refresh interval; Space pauses; r refreshes now")
    func refreshControl() {
        var state = F.state()
        F.press([.character("+")], &state)
        #expect(state.refreshInterval == 1)
        #expect(state.notice?.text == "refreshing every 1 s")
        F.press([.character("+"), .character("+"), .character("+")], &state)
        #expect(state.refreshInterval == 0.5)
        F.press([.character("-"), .character("-"), .character("-")], &state)
        #expect(state.refreshInterval == 5)
        #expect(F.press([.character(" ")], &state).isEmpty)
        #expect(state.paused)
        #expect(F.press([.character(" ")], &state) == [.refreshNow])
        #expect(!state.paused)
        #expect(F.press([.character("r")], &state) == [.refreshNow])
        #expect(F.press([.character("w")], &state) == [.refreshNow])
        #expect(state.historyWindow == .oneDay)
    }

    @Test("t cycles through the themes and says which one")
    func themes() {
        var state = F.state()
        #expect(state.theme.name == "default-dark")
        var seen: [String] = [state.theme.name]
        for _ in 1..<state.themes.count {
            F.press([.character("t")], &state)
            seen.append(state.theme.name)
            #expect(state.notice?.text == "theme: \(state.theme.name)")
        }
        #expect(Set(seen) == ["default-dark", "light", "high-contrast", "colorblind-safe", "monochrome"])
        F.press([.character("t")], &state)
        #expect(state.theme.name == "default-dark")
    }

    @Test("/ filters the focused pane live; Esc in the prompt clears it")
    func filter() {
        var state = F.state()
        F.press(
            [.character("/"), .character("n"), .character("o"), .character("d"), .character("e"), .character("3")],
            &state)
        #expect(state.visibleRows.map(\.node.nodeName) == ["node3"])
        let screen = F.render(state)
        #expect(screen.lines[39].contains("filter nodes: node3_"))
        F.press([.enter], &state)
        #expect(state.overlay == .none)
        #expect(state.filters[.nodes] == "node3")
        #expect(Keymap.command(for: .escape, in: state) == .clearFilter)
        F.press([.escape], &state)
        #expect(state.filters.isEmpty)
        F.press([.character("/"), .character("x"), .escape], &state)
        #expect(state.filters.isEmpty)
        #expect(state.overlay == .none)
    }

    @Test("? opens help listing exactly the bound keys; any of Esc ? q closes it")
    func help() {
        var state = F.state(operations: [.switchover, .promote, .follow])
        F.press([.character("?")], &state)
        #expect(state.overlay == .help)
        let screen = F.render(state)
        for binding in Keymap.bindings(for: state) {
            #expect(screen.text.contains(binding.summary), "help lacks \(binding.summary)")
        }
        #expect(screen.text.contains("guided switchover to a standby"))
        #expect(!screen.text.contains("fence or unfence"))
        #expect(screen.lines[39].contains("Esc:close help"))
        F.press([.character("q")], &state)
        #expect(state.overlay == .none)
        #expect(!state.shouldQuit)
    }

    @Test("read-only: no action in the key map, help or hints, and s p f x P do nothing")
    func readOnlyKeys() {
        for mode in [DashboardMode.readOnly, .wall] {
            var state = F.state(mode: mode, operations: Set(OperationKind.allCases))
            #expect(state.operations.isEmpty)
            let commands = Keymap.bindings(for: state).map(\.command)
            #expect(!commands.contains { if case .operation = $0 { true } else { false } })
            for key in ["s", "p", "f", "x", "P"] {
                #expect(F.press([.character(Character(key))], &state).isEmpty)
                #expect(state.overlay == .none)
                #expect(state.notice?.text.hasPrefix("read-only session: ") == true)
            }
            state.notice = nil
            F.press([.character("?")], &state)
            let help = F.render(state).text
            #expect(!help.contains("switchover"))
            #expect(!help.contains("promote"))
            #expect(help.contains(mode == .wall ? "Wall display" : "Read-only session"))
        }
    }

    @Test("interactive: action keys exist only for operations the engine provides")
    func actionKeysFollowTheCatalog() {
        let state = F.state(operations: [.promote])
        #expect(Keymap.command(for: .character("p"), in: state) == .operation(.promote))
        #expect(Keymap.command(for: .character("s"), in: state) == nil)
        #expect(Keymap.command(for: .character("x"), in: state) == nil)
        let hints = KeyHintLine.entries(for: state)
        #expect(hints.contains("p:promote"))
        #expect(!hints.contains { $0.hasPrefix("s:") })
    }

    @Test("Enter opens the selected node's details and asks for its slots; Esc closes")
    func details() {
        var state = F.state()
        F.press([.down], &state)
        let effects = F.press([.enter], &state)
        #expect(state.overlay == .details(nodeID: 2))
        guard case .loadDetails(let node) = effects.first else {
            Issue.record("expected loadDetails, got \(effects)")
            return
        }
        #expect(node.nodeID == 2)
        var screen = F.render(state).text
        #expect(screen.contains("Node node2 (ID 2)"))
        #expect(screen.contains("loading…"))
        #expect(screen.contains("on node1: streaming"))
        #expect(screen.contains("node3: streaming"))
        #expect(screen.contains("conninfo:       host=127.0.0.1 port=5402 user=repmgr dbname=repmgr password=********"))
        #expect(!screen.contains("secret"))
        let slots = NodeDetails(
            slots: [
                DashboardQueries.ReplicationSlot(
                    name: "repmgr_slot_3", type: "physical", active: true, restartLSN: "3/0", walStatus: "reserved")
            ], walReceiver: [NodeDetails.Field(name: "received_tli", value: "1")], error: nil)
        _ = DashboardReducer.reduce(&state, .detailsLoaded(nodeID: 2, slots))
        screen = F.render(state).text
        #expect(screen.contains("repmgr_slot_3 (physical) active, restart 3/0, wal reserved"))
        #expect(screen.contains("received_tli = 1"))
        #expect(F.press([.down], &state).count == 1)
        #expect(state.overlay == .details(nodeID: 3))
        F.press([.escape], &state)
        #expect(state.overlay == .none)
    }

    @Test("notices go at the next key or after their lifetime")
    func notices() {
        var state = F.state()
        F.press([.character("t")], &state)
        #expect(state.notice != nil)
        #expect(F.render(state).lines[1].contains("theme: \(state.theme.name)"))
        _ = DashboardReducer.reduce(&state, .tick(F.epoch.addingTimeInterval(60)))
        #expect(state.notice == nil)
    }

    @Test("live lag history stays bounded")
    func boundedHistory() {
        var history = LagHistory(capacity: 3)
        for value in 1...10 { history.append([2: LagSample(bytes: Double(value), seconds: 0)]) }
        #expect(history.samples(for: 2).map(\.bytes) == [8, 9, 10])
        history.append([3: LagSample(bytes: 1, seconds: 1)])
        #expect(history.samples(for: 2).isEmpty)
    }

    @Test("verdicts: healthy, degraded, primary down, failover in progress, split brain")
    func verdicts() {
        #expect(ClusterVerdict.of(F.snapshot().report) == .healthy)
        #expect(ClusterVerdict.of(F.snapshot(node3Down: true).report) == .degraded)
        let nodes = [F.node(1, .primary), F.node(2, .standby, upstream: 1)]
        let down = ClusterShowReport(
            nodes: nodes,
            observations: [1: NodeObservation(unreachable: "x"), 2: F.standbyObservation(received: 1, lagSeconds: 0)])
        #expect(ClusterVerdict.of(down) == .primaryDown)
        let promoted = ClusterShowReport(
            nodes: nodes,
            observations: [1: NodeObservation(unreachable: "x"), 2: F.primaryObservation(lsn: 5, downstream: [])])
        #expect(ClusterVerdict.of(promoted) == .failoverInProgress)
        let split = ClusterShowReport(
            nodes: nodes,
            observations: [
                1: F.primaryObservation(lsn: 5, downstream: []), 2: F.primaryObservation(lsn: 5, downstream: []),
            ])
        #expect(ClusterVerdict.of(split) == .splitBrain)
        #expect(ClusterVerdict.of(ClusterShowReport(nodes: [], observations: [:])) == .unknown)
    }

    @Test("values are formatted short")
    func formatting() {
        #expect(ValueFormat.bytes(0) == "0 B")
        #expect(ValueFormat.bytes(1536) == "1.5 kB")
        #expect(ValueFormat.bytes(16 * 1024 * 1024) == "16 MB")
        #expect(ValueFormat.bytes(nil) == "-")
        #expect(ValueFormat.seconds(0.25) == "0.2 s" || ValueFormat.seconds(0.25) == "0.3 s")
        #expect(ValueFormat.seconds(61) == "1 m 1 s")
        #expect(ValueFormat.seconds(7300) == "2 h 1 m")
        #expect(ValueFormat.seconds(90000) == "1 d 1 h")
        #expect(ValueFormat.age(0.5) == "just now")
        #expect(ValueFormat.interval(0.5) == "0.5 s")
    }
}
