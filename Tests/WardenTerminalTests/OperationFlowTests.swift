import Foundation
import Synchronization
import Testing
import WardenDashboard
import WardenEngine
import WardenTerminal

/// Confirmation dialogs, the guided-switchover wizard's steps, streamed progress and the
/// outcome, driven through the reducer and rendered; plus the runtime calling an operation's
/// prepare and run.
@Suite("Dashboard operations")
struct OperationFlowTests {
    typealias F = DashboardFixtures

    static let plan = OperationPlan(
        operation: "standby switchover",
        checks: [
            .pass("candidate", "node2 is a standby streaming from node1"),
            .warning("lag", "node2 is 16 MB behind"),
        ],
        actions: ["checkpoint node1", "stop node1 and restart it as a standby", "promote node2"])

    static let failing = OperationPlan(
        operation: "standby promote",
        checks: [.fail("primary", WardenError("the primary node1 is still running", exitStatus: .badConfig))])

    func flow(_ state: DashboardState) -> OperationFlow? {
        if case .operation(let flow) = state.overlay { return flow }
        return nil
    }

    @Test("switchover wizard: candidates, checklist, summary, type-to-confirm, steps, result and post-check")
    func wizard() {
        var state = F.state(operations: [.switchover])
        F.press([.character("s")], &state)
        var screen = F.render(state).text
        #expect(screen.contains("Switchover 1/5 · choose the candidate"))
        #expect(screen.contains("> node2  eligible · priority 100"))
        #expect(screen.contains("node3  eligible"))
        F.press([.down, .up], &state)
        let effects = F.press([.enter], &state)
        #expect(effects.count == 1)
        guard case .prepareOperation(let id, .switchover, let node) = effects.first else {
            Issue.record("expected prepareOperation, got \(effects)")
            return
        }
        #expect(node.nodeName == "node2")
        #expect(F.render(state).text.contains("Running the engine's preflight checks for node2"))

        _ = DashboardReducer.reduce(&state, .operationPrepared(flowID: id, Self.plan))
        screen = F.render(state).text
        #expect(screen.contains("Switchover 2/5 · preflight checks"))
        #expect(screen.contains("✓ candidate: node2 is a standby streaming from node1"))
        #expect(screen.contains("! lag: node2 is 16 MB behind"))
        F.press([.enter], &state)
        screen = F.render(state).text
        #expect(screen.contains("Switchover 3/5 · what will happen"))
        #expect(screen.contains("2. stop node1 and restart it as a standby"))
        F.press([.enter], &state)
        screen = F.render(state).text
        #expect(screen.contains("Switchover 4/5 · confirm"))
        #expect(screen.contains("Type node2 to confirm:"))
        #expect(flow(state)?.focus == .cancel)
        let cancel = F.at(F.render(state), "[ Cancel ]")
        #expect(F.render(state)[cancel.x, cancel.y].style == state.theme[.buttonFocused])

        // The confirm button does nothing until the exact name is typed.
        F.press([.tab], &state)
        #expect(F.press([.enter], &state).isEmpty)
        F.press([.tab], &state)
        F.press("node2".map { .character($0) }, &state)
        #expect(flow(state)?.typedName == "node2")
        F.press([.tab], &state)
        #expect(flow(state)?.focus == .confirm)
        #expect(F.press([.enter], &state) == [.runOperation(flowID: id)])

        _ = DashboardReducer.reduce(
            &state,
            .operationMessage(flowID: id, OperationMessage(.notice, "checkpoint on node1"), elapsed: .milliseconds(120))
        )
        _ = DashboardReducer.reduce(
            &state,
            .operationMessage(flowID: id, OperationMessage(.notice, "node2 promoted"), elapsed: .milliseconds(2340)))
        screen = F.render(state).text
        #expect(screen.contains("Switchover 5/5 · running"))
        #expect(screen.contains("  0.12 s  checkpoint on node1"))
        #expect(screen.contains("  2.34 s  node2 promoted"))
        #expect(F.press([.escape, .character("q")], &state).isEmpty)
        #expect(flow(state) != nil)

        let finished = F.epoch.addingTimeInterval(10)
        #expect(
            DashboardReducer.reduce(
                &state, .operationFinished(flowID: id, error: nil, elapsed: .seconds(3), at: finished)) == [.refreshNow]
        )
        screen = F.render(state).text
        #expect(screen.contains("✓ Switchover of node2 completed in 3.00 s"))
        #expect(screen.contains("post-check: waiting for the next refresh"))

        // The next refresh shows node2 as the only primary with everyone following it.
        let nodes = [F.node(1, .standby, upstream: 2), F.node(2, .primary), F.node(3, .standby, upstream: 2)]
        let after = ClusterSnapshot(
            report: ClusterShowReport(
                nodes: nodes,
                observations: [
                    1: F.standbyObservation(received: 10, lagSeconds: 0),
                    2: F.primaryObservation(lsn: 10, downstream: ["node1", "node3"]),
                    3: F.standbyObservation(received: 10, lagSeconds: 0),
                ]), votingTerm: 5, events: [], history: [], historyWindow: .oneHour, newestHistoryRow: nil,
            historyError: nil, daemons: [:], source: "node1", fetchedAt: finished.addingTimeInterval(1))
        _ = DashboardReducer.reduce(&state, .snapshotLoaded(after))
        screen = F.render(state).text
        #expect(screen.contains("✓ post-check passed"))
        #expect(screen.contains("one primary: node2"))
        #expect(screen.contains("node1: running, upstream node2"))
        F.press([.enter], &state)
        #expect(state.overlay == .none)
    }

    @Test("wizard lists ineligible standbys last with the reason, and cannot choose them")
    func ineligible() {
        var state = F.state(operations: [.switchover], snapshot: F.snapshot(node3Down: true))
        F.press([.character("s")], &state)
        let screen = F.render(state).text
        #expect(screen.contains("node3  not eligible: node3 is not reachable"))
        F.press([.down], &state)
        #expect(F.press([.enter], &state).isEmpty)
        #expect(F.press([.escape], &state) == [.discardOperation(flowID: 1)])
        #expect(state.overlay == .none)
    }

    @Test("promote: preflight shown in the dialog; a failed check leaves only Esc")
    func promoteFailedCheck() {
        var state = F.state(operations: [.promote])
        F.press([.down], &state)
        let effects = F.press([.character("p")], &state)
        #expect(effects == [.prepareOperation(flowID: 1, .promote, F.node(2, .standby, upstream: 1))])
        _ = DashboardReducer.reduce(&state, .operationPrepared(flowID: 1, Self.failing))
        let screen = F.render(state)
        #expect(screen.text.contains("✗ primary: the primary node1 is still running"))
        #expect(screen.text.contains("A check failed: nothing will be done."))
        #expect(!screen.text.contains("[ Cancel ]"))
        #expect(screen.lines[39].contains("Esc:close"))
        F.press([.tab, .enter], &state)
        #expect(state.overlay == .none)
    }

    @Test("promote on the primary is refused with a notice, before any engine call")
    func promoteIneligible() {
        var state = F.state(operations: [.promote])
        #expect(F.press([.character("p")], &state).isEmpty)
        #expect(state.notice?.text == "promote: node1 is not a standby")
    }

    @Test("follow needs no typed name; Enter on Cancel closes; preparation errors are shown")
    func followDialog() {
        var state = F.state(operations: [.follow])
        F.press([.end, .character("f")], &state)
        _ = DashboardReducer.reduce(
            &state,
            .operationPrepared(
                flowID: 1,
                OperationPlan(
                    operation: "standby follow", checks: [.pass("upstream", "node1 reachable")],
                    actions: ["point node3 at node1"])))
        var screen = F.render(state).text
        #expect(!screen.contains("to confirm:"))
        #expect(screen.contains("[ Follow node3 ]"))
        #expect(F.press([.enter], &state) == [.discardOperation(flowID: 1)])
        F.press([.character("f")], &state)
        _ = DashboardReducer.reduce(
            &state,
            .operationFinished(
                flowID: 2,
                error: WardenError(
                    "cannot read node3's configuration", hint: "run it on node3", exitStatus: .badConfig),
                elapsed: .zero, at: F.epoch))
        screen = F.render(state).text
        #expect(screen.contains("✗ Follow could not be prepared: cannot read node3's configuration"))
        #expect(screen.contains("hint: run it on node3"))
    }

    @Test("results for a closed dialog are ignored and their prepared operation discarded")
    func staleResults() {
        var state = F.state(operations: [.promote])
        F.press([.down, .character("p"), .escape], &state)
        #expect(
            DashboardReducer.reduce(&state, .operationPrepared(flowID: 1, Self.plan)) == [.discardOperation(flowID: 1)])
        #expect(state.overlay == .none)
    }

    @Test("a read-only session builds no operation, whatever is asked")
    func sessionRefuses() throws {
        let configuration = NodeConfiguration(
            nodeID: 2, nodeName: "node2", conninfo: "host=127.0.0.1 port=1", dataDirectory: "/tmp/x",
            filePath: "/tmp/x.conf")
        let catalog = TestCatalog().catalog
        for mode in [DashboardMode.readOnly, .wall] {
            let session = DashboardSession(
                entry: try Conninfo(parsing: "host=127.0.0.1 port=1"), localConfiguration: configuration, mode: mode,
                catalog: catalog)
            #expect(session.availableOperations.isEmpty)
            #expect(throws: WardenError.self) {
                try session.operation(OperationKind.promote, for: F.node(2, .standby, upstream: 1))
            }
        }
        let writable = DashboardSession(
            entry: try Conninfo(parsing: "host=127.0.0.1 port=1"), localConfiguration: configuration,
            mode: .interactive,
            catalog: catalog)
        #expect(writable.availableOperations == [OperationKind.promote])
        #expect(
            try writable.operation(OperationKind.promote, for: F.node(2, .standby, upstream: 1)).kind
                == OperationKind.promote)
        // Another node's repmgr.conf is not readable here: a clear error, not a crash.
        #expect(throws: WardenError.self) {
            try writable.operation(OperationKind.promote, for: F.node(3, .standby, upstream: 2))
        }
    }

    @Test("the runtime prepares and runs the engine operation and streams its steps")
    func runtimeRunsOperation() async throws {
        let configuration = NodeConfiguration(
            nodeID: 2, nodeName: "node2", conninfo: "host=127.0.0.1 port=1", dataDirectory: "/tmp/x",
            filePath: "/tmp/x.conf")
        let test = TestCatalog()
        let session = DashboardSession(
            entry: try Conninfo(parsing: "host=127.0.0.1 port=1"), localConfiguration: configuration,
            mode: .interactive,
            catalog: test.catalog)
        var initial = F.state(operations: session.availableOperations)
        initial.refreshInterval = 60
        let runtime = DashboardRuntime(initialState: initial, session: session)
        for key: Key in [.down, .character("p")] { runtime.send(.key(key)) }
        try await waitUntil {
            if case .operation(let flow) = runtime.current().state.overlay, case .confirming = flow.phase {
                true
            } else {
                false
            }
        }
        for key: Key in Array("node2").map({ .character($0) }) + [.tab, .enter] { runtime.send(.key(key)) }
        try await waitUntil {
            if case .operation(let flow) = runtime.current().state.overlay, case .finished = flow.phase {
                true
            } else {
                false
            }
        }
        let screen = F.render(runtime.current().state).text
        #expect(screen.contains("promoting node2"))
        #expect(screen.contains("✓ Promote of node2 completed"))
        #expect(test.log.withLock { $0 } == ["prepare node2", "run node2"])
    }

    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<200 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not reached")
    }
}

/// An operation catalog whose promote records its calls instead of touching a server.
final class TestCatalog: Sendable {
    let log: Mutex<[String]>

    init() {
        self.log = Mutex([])
    }

    var catalog: OperationCatalog {
        OperationCatalog(builders: [
            .promote: { [self] node, _ in
                ClusterOperation(kind: .promote, node: node) { report throws(WardenError) in
                    self.log.withLock { $0.append("prepare \(node.nodeName)") }
                    let plan = OperationPlan(
                        operation: "standby promote", checks: [.pass("role", "standby")], actions: ["promote"])
                    return PreparedOperation(plan: plan) { report throws(WardenError) in
                        self.log.withLock { $0.append("run \(node.nodeName)") }
                        report(OperationMessage(.notice, "promoting \(node.nodeName)"))
                    }
                }
            }
        ])
    }
}
