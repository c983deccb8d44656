import Foundation
import Synchronization
import Testing
import WardenDashboard
import WardenEngine
import WardenTerminal

/// The `P` key: pausing or unpausing every node's failover daemon through the engine, with
/// the engine's plan in the confirmation (focus on Cancel, no typed name), streamed steps and
/// the outcome; absent from read-only and wall sessions.
@Suite("Dashboard daemon pause")
struct DaemonPauseFlowTests {
    typealias F = DashboardFixtures

    static let plan = OperationPlan(
        operation: "daemon pause",
        checks: [
            .pass("primary", "node1 is reachable and not in recovery"),
            .pass("node 1 (node1)", "not paused, daemon running (PID 4242)"),
            .warning("node 2 (node2)", "node2 is already paused"),
        ],
        actions: ["pause the daemons of 3 nodes: node1, node2, node3"])

    func flow(_ state: DashboardState) -> OperationFlow? {
        if case .operation(let flow) = state.overlay { return flow }
        return nil
    }

    func pausedSnapshot() throws -> ClusterSnapshot {
        F.snapshot(daemons: [1: try F.daemon(1, pid: 4242), 2: try F.daemon(2, pid: nil, paused: true)])
    }

    @Test("P is bound in an interactive session, labelled after the daemons' current flag")
    func binding() throws {
        let running = F.state(operations: [.promote, .pauseDaemons])
        #expect(Keymap.command(for: .character("P"), in: running) == .operation(.pauseDaemons))
        #expect(Keymap.bindings(for: running).contains { $0.label == "P" && $0.summary == "pause daemons" })
        #expect(KeyHintLine.entries(for: running).contains("P:pause daemons"))
        #expect(Keymap.command(for: .character("x"), in: running) == nil)

        let paused = F.state(operations: [.pauseDaemons], snapshot: try pausedSnapshot())
        #expect(paused.daemonsPaused)
        #expect(Keymap.bindings(for: paused).contains { $0.label == "P" && $0.summary == "unpause daemons" })
        #expect(KeyHintLine.entries(for: paused).contains("P:unpause daemons"))

        var help = paused
        F.press([.character("?")], &help)
        let screen = F.render(help).text
        #expect(screen.contains("unpause daemons"))
        #expect(!screen.contains("fence or unfence"))

        // Not offered when the engine catalog lacks it.
        #expect(Keymap.command(for: .character("P"), in: F.state(operations: [.promote])) == nil)
    }

    @Test("read-only and wall: no P in the key map or help, and P does nothing")
    func readOnly() throws {
        for mode in [DashboardMode.readOnly, .wall] {
            var state = F.state(mode: mode, operations: [.pauseDaemons], snapshot: try pausedSnapshot())
            #expect(Keymap.command(for: .character("P"), in: state) == nil)
            #expect(!KeyHintLine.entries(for: state).contains { $0.hasPrefix("P:") })
            #expect(F.press([.character("P")], &state).isEmpty)
            #expect(state.overlay == .none)
            F.press([.character("?")], &state)
            let help = F.render(state).text
            #expect(!help.contains("pause daemons"))
        }
    }

    @Test("confirmation: the engine's plan, focus on Cancel, no typed name; Enter on Cancel closes")
    func confirmation() {
        var state = F.state(operations: [.pauseDaemons])
        let effects = F.press([.character("P")], &state)
        #expect(effects == [.prepareDaemonPause(flowID: 1, pause: true)])
        #expect(flow(state)?.node == nil)
        #expect(flow(state)?.pause == true)
        var screen = F.render(state).text
        #expect(screen.contains("Pause daemons · preflight"))
        #expect(screen.contains("Running the engine's preflight checks for the cluster"))

        _ = DashboardReducer.reduce(&state, .operationPrepared(flowID: 1, Self.plan))
        let rendered = F.render(state)
        screen = rendered.text
        #expect(screen.contains("Pause daemons · confirm"))
        #expect(screen.contains("✓ primary: node1 is reachable and not in recovery"))
        #expect(screen.contains("! node 2 (node2): node2 is already paused"))
        #expect(screen.contains("1. pause the daemons of 3 nodes: node1, node2, node3"))
        #expect(!screen.contains("to confirm:"))
        #expect(screen.contains("[ Pause daemons ]"))
        #expect(flow(state)?.focus == .cancel)
        #expect(flow(state)?.canConfirm == true)
        let cancel = F.at(rendered, "[ Cancel ]")
        #expect(rendered[cancel.x, cancel.y].style == state.theme[.buttonFocused])
        #expect(KeyHintLine.entries(for: state) == ["Tab:switch button", "Enter:press", "Esc:cancel"])
        // Typing does nothing: pausing needs no typed name.
        #expect(F.press([.character("n")], &state).isEmpty)
        #expect(flow(state)?.typedName == "")
        #expect(F.press([.enter], &state) == [.discardOperation(flowID: 1)])
        #expect(state.overlay == .none)

        F.press([.character("P")], &state)
        _ = DashboardReducer.reduce(&state, .operationPrepared(flowID: 2, Self.plan))
        F.press([.tab], &state)
        #expect(flow(state)?.focus == .confirm)
        #expect(F.press([.enter], &state) == [.runOperation(flowID: 2)])
    }

    @Test("running: streamed steps, then the outcome; the next refresh flips the key to unpause")
    func stepsAndOutcome() throws {
        var state = F.state(operations: [.pauseDaemons])
        F.press([.character("P")], &state)
        _ = DashboardReducer.reduce(&state, .operationPrepared(flowID: 1, Self.plan))
        F.press([.tab, .enter], &state)
        for (index, id) in [1, 2, 3].enumerated() {
            _ = DashboardReducer.reduce(
                &state,
                .operationMessage(
                    flowID: 1, OperationMessage(.notice, "node \(id) (node\(id)) paused"),
                    elapsed: .milliseconds(10 * (index + 1))))
        }
        var screen = F.render(state).text
        #expect(screen.contains("Pause daemons · running"))
        #expect(screen.contains("Running (1 planned actions)"))
        #expect(screen.contains("  0.01 s  node 1 (node1) paused"))
        #expect(screen.contains("  0.03 s  node 3 (node3) paused"))
        #expect(KeyHintLine.entries(for: state) == ["running: please wait"])

        let finished = F.epoch.addingTimeInterval(10)
        #expect(
            DashboardReducer.reduce(
                &state, .operationFinished(flowID: 1, error: nil, elapsed: .milliseconds(40), at: finished))
                == [.refreshNow])
        screen = F.render(state).text
        #expect(screen.contains("Pause daemons · done"))
        #expect(screen.contains("✓ Pause daemons completed in 0.04 s"))
        #expect(!screen.contains("recorded in repmgr.events"))
        #expect(!screen.contains("post-check"))
        F.press([.enter], &state)
        #expect(state.overlay == .none)

        _ = DashboardReducer.reduce(&state, .snapshotLoaded(try pausedSnapshot()))
        #expect(F.press([.character("P")], &state) == [.prepareDaemonPause(flowID: 2, pause: false)])
        #expect(F.render(state).text.contains("Unpause daemons · preflight"))
        _ = DashboardReducer.reduce(
            &state,
            .operationFinished(
                flowID: 2,
                error: WardenError(
                    "unable to connect to the primary node", hint: "check that the primary is running",
                    exitStatus: .dbConnection), elapsed: .zero, at: finished))
        screen = F.render(state).text
        #expect(screen.contains("✗ Unpause daemons could not be prepared: unable to connect to the primary node"))
        #expect(screen.contains("hint: check that the primary is running"))
    }

    @Test("a failed check in the engine's plan leaves only Esc")
    func failedCheck() {
        var state = F.state(operations: [.pauseDaemons])
        F.press([.character("P")], &state)
        let failing = OperationPlan(
            operation: "daemon pause",
            checks: [.fail("primary", WardenError("unable to connect to the primary node", exitStatus: .dbConnection))]
        )
        _ = DashboardReducer.reduce(&state, .operationPrepared(flowID: 1, failing))
        let screen = F.render(state).text
        #expect(screen.contains("✗ primary: unable to connect to the primary node"))
        #expect(!screen.contains("[ Cancel ]"))
        #expect(flow(state)?.canConfirm == false)
        #expect(F.press([.tab, .enter], &state) == [.discardOperation(flowID: 1)])
    }

    @Test("the session builds the pause only when writable; the runtime prepares and runs it")
    func runtime() async throws {
        let test = PauseTestCatalog()
        let entry = try Conninfo(parsing: "host=127.0.0.1 port=1")
        for mode in [DashboardMode.readOnly, .wall] {
            let session = DashboardSession(entry: entry, localConfiguration: nil, mode: mode, catalog: test.catalog)
            #expect(!session.availableOperations.contains(.pauseDaemons))
            #expect(throws: WardenError.self) { try session.daemonPauseOperation(pause: true) }
        }
        let session = DashboardSession(entry: entry, localConfiguration: nil, mode: .interactive, catalog: test.catalog)
        #expect(session.availableOperations == [.pauseDaemons])
        #expect(try session.daemonPauseOperation(pause: false).node == nil)
        #expect(OperationCatalog.engine.kinds.contains(.pauseDaemons))
        #expect(OperationCatalog.engine.kinds.contains(.fence))

        var initial = F.state(operations: session.availableOperations)
        initial.refreshInterval = 60
        let runtime = DashboardRuntime(initialState: initial, session: session)
        runtime.send(.key(.character("P")))
        try await waitUntil {
            if case .operation(let flow) = runtime.current().state.overlay, case .confirming = flow.phase {
                true
            } else {
                false
            }
        }
        for key: Key in [.tab, .enter] { runtime.send(.key(key)) }
        try await waitUntil {
            if case .operation(let flow) = runtime.current().state.overlay, case .finished = flow.phase {
                true
            } else {
                false
            }
        }
        let screen = F.render(runtime.current().state).text
        #expect(screen.contains("node 1 (node1) paused"))
        #expect(screen.contains("✓ Pause daemons completed"))
        #expect(test.log.withLock { $0 } == ["prepare pause via port 1", "run pause"])
    }

    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<200 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not reached")
    }
}

/// An operation catalog whose daemon pause records its calls instead of touching a server.
final class PauseTestCatalog: Sendable {
    let log = Mutex<[String]>([])

    var catalog: OperationCatalog {
        OperationCatalog(builders: [:]) { [self] pause, entry in
            let verb = pause ? "pause" : "unpause"
            return ClusterOperation(kind: .pauseDaemons, node: nil) { report throws(WardenError) in
                self.log.withLock { $0.append("prepare \(verb) via port \(entry.port ?? "?")") }
                let plan = OperationPlan(
                    operation: "daemon \(verb)", checks: [.pass("primary", "node1 is reachable")],
                    actions: ["\(verb) the daemon of 1 node: node1"])
                return PreparedOperation(plan: plan) { report throws(WardenError) in
                    self.log.withLock { $0.append("run \(verb)") }
                    report(OperationMessage(.notice, "node 1 (node1) \(verb)d"))
                }
            }
        }
    }
}
