import Foundation
import Synchronization
import Testing
import WardenDashboard
import WardenEngine
import WardenTerminal

/// The `x` key: fencing or unfencing the selected node through the engine (a toggle that follows the
/// node's fenced state), the `fenced` badge in the nodes pane, and its absence from read-only and wall
/// sessions.
@Suite("Dashboard node fence")
struct NodeFenceFlowTests {
    typealias F = DashboardFixtures

    func flow(_ state: DashboardState) -> OperationFlow? {
        if case .operation(let flow) = state.overlay { return flow }
        return nil
    }

    /// The fixture cluster with node2 fenced read-only.
    func fencedSnapshot() -> ClusterSnapshot {
        var snapshot = F.snapshot()
        let rows = snapshot.report.rows
        snapshot.report = ClusterShowReport(
            nodes: rows.map(\.node),
            observations: Dictionary(uniqueKeysWithValues: rows.map { ($0.node.nodeID, $0.observation) }),
            fences: [2: FenceRecord(nodeID: 2, fenced: true, method: .readOnly, reason: "disk check")])
        return snapshot
    }

    func select(_ nodeID: Int, _ state: inout DashboardState) {
        state.selectedNodeID = nodeID
    }

    @Test("x is bound in an interactive session, labelled after the selected node's fenced state")
    func binding() {
        var state = F.state(operations: [.fence], snapshot: fencedSnapshot())
        select(1, &state)
        #expect(Keymap.command(for: .character("x"), in: state) == .operation(.fence))
        #expect(Keymap.bindings(for: state).contains { $0.label == "x" && $0.summary == "fence the selected node" })
        #expect(KeyHintLine.entries(for: state).contains("x:fence"))
        select(2, &state)
        #expect(Keymap.bindings(for: state).contains { $0.label == "x" && $0.summary == "unfence the selected node" })
        #expect(KeyHintLine.entries(for: state).contains("x:unfence"))
        #expect(Keymap.command(for: .character("x"), in: F.state(operations: [.promote])) == nil)
    }

    @Test("read-only and wall: no x in the key map, help or hints; x does nothing; the session refuses")
    func readOnly() throws {
        let entry = try Conninfo(parsing: "host=127.0.0.1 port=1")
        let test = FenceTestCatalog()
        for mode in [DashboardMode.readOnly, .wall] {
            var state = F.state(mode: mode, operations: [.fence], snapshot: fencedSnapshot())
            #expect(Keymap.command(for: .character("x"), in: state) == nil)
            #expect(!KeyHintLine.entries(for: state).contains { $0.hasPrefix("x:") })
            #expect(F.press([.character("x")], &state).isEmpty)
            #expect(state.overlay == .none)
            F.press([.character("?")], &state)
            #expect(!F.render(state).text.contains("fence the selected node"))

            let session = DashboardSession(entry: entry, localConfiguration: nil, mode: mode, catalog: test.catalog)
            #expect(!session.availableOperations.contains(.fence))
            #expect(throws: WardenError.self) { try session.fenceOperation(fence: true, for: F.node(2, .standby)) }
        }
        #expect(test.log.withLock { $0 }.isEmpty)
    }

    @Test("fence an unfenced node: typed name required, focus on Cancel; a fenced node is unfenced")
    func toggle() {
        var state = F.state(operations: [.fence], snapshot: fencedSnapshot())
        select(3, &state)
        let node3 = F.node(3, .standby, upstream: 2)
        #expect(F.press([.character("x")], &state) == [.prepareFence(flowID: 1, fence: true, node3)])
        #expect(flow(state)?.fence == true)
        #expect(F.render(state).text.contains("Fence node3 · preflight"))
        let plan = OperationPlan(
            operation: "node fence", checks: [.pass("node", "node \"node3\" (ID: 3) is registered as standby")],
            actions: ["set default_transaction_read_only = on on node \"node3\" (ID: 3)"])
        _ = DashboardReducer.reduce(&state, .operationPrepared(flowID: 1, plan))
        let screen = F.render(state).text
        #expect(screen.contains("Fence node3 · confirm"))
        #expect(screen.contains("[ Fence node3 ]"))
        #expect(flow(state)?.focus == .cancel)
        #expect(flow(state)?.canConfirm == false)
        F.press("node3".map { .character($0) }, &state)
        #expect(flow(state)?.canConfirm == true)
        F.press([.tab], &state)
        #expect(F.press([.enter], &state) == [.runOperation(flowID: 1)])

        var fenced = F.state(operations: [.fence], snapshot: fencedSnapshot())
        select(2, &fenced)
        #expect(
            F.press([.character("x")], &fenced)
                == [.prepareFence(flowID: 1, fence: false, F.node(2, .standby, upstream: 1))])
        #expect(F.render(fenced).text.contains("Unfence node2 · preflight"))
    }

    @Test("a witness cannot be fenced")
    func witness() {
        var snapshot = F.snapshot()
        let witness = F.node(4, .witness, upstream: 1)
        snapshot.report = ClusterShowReport(
            nodes: snapshot.report.rows.map(\.node) + [witness],
            observations: Dictionary(
                uniqueKeysWithValues: snapshot.report.rows.map { ($0.node.nodeID, $0.observation) }
                    + [(4, F.primaryObservation(lsn: 1, downstream: []))]))
        var state = F.state(operations: [.fence], snapshot: snapshot)
        select(4, &state)
        #expect(F.press([.character("x")], &state).isEmpty)
        #expect(state.overlay == .none)
        #expect(state.notice?.text == "fence / unfence: node4 is a witness")
    }

    @Test("a fenced node's status reads \"(fenced)\" and is drawn as a fenced badge")
    func badge() {
        var state = F.state(operations: [.fence], snapshot: fencedSnapshot())
        select(1, &state)
        let screen = F.render(state)
        let fenced = F.at(screen, "running (fenced)")
        #expect(screen[fenced.x, fenced.y].style == state.theme[.fenced])
        #expect(screen.text.components(separatedBy: "(fenced)").count == 2)
        #expect(state.rows.first { $0.node.nodeID == 2 }?.fenced == true)
        #expect(state.rows.first { $0.node.nodeID == 3 }?.statusRole == .ok)
    }

    @Test("the runtime builds the toggle's direction through the session and runs it")
    func runtime() async throws {
        let test = FenceTestCatalog()
        let entry = try Conninfo(parsing: "host=127.0.0.1 port=1")
        let session = DashboardSession(entry: entry, localConfiguration: nil, mode: .interactive, catalog: test.catalog)
        #expect(session.availableOperations == [.fence])
        var initial = F.state(operations: session.availableOperations, snapshot: fencedSnapshot())
        initial.refreshInterval = 60
        initial.selectedNodeID = 2
        let runtime = DashboardRuntime(initialState: initial, session: session)
        runtime.send(.key(.character("x")))
        try await waitUntil {
            if case .operation(let flow) = runtime.current().state.overlay, case .confirming = flow.phase {
                true
            } else {
                false
            }
        }
        for key: Key in "node2".map({ .character($0) }) + [.tab, .enter] { runtime.send(.key(key)) }
        try await waitUntil {
            if case .operation(let flow) = runtime.current().state.overlay, case .finished = flow.phase {
                true
            } else {
                false
            }
        }
        #expect(F.render(runtime.current().state).text.contains("✓ Unfence of node2 completed"))
        #expect(test.log.withLock { $0 } == ["prepare unfence 2 via port 1", "run unfence 2"])
    }

    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<200 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not reached")
    }
}

/// An operation catalog whose fence records its calls instead of touching a server.
final class FenceTestCatalog: Sendable {
    let log = Mutex<[String]>([])

    var catalog: OperationCatalog {
        OperationCatalog(
            builders: [:],
            fence: { [self] fence, node, entry, _ in
                let verb = fence ? "fence" : "unfence"
                return ClusterOperation(kind: .fence, node: node) { report throws(WardenError) in
                    self.log.withLock { $0.append("prepare \(verb) \(node.nodeID) via port \(entry.port ?? "?")") }
                    let plan = OperationPlan(
                        operation: "node \(verb)", checks: [.pass("node", "\(node.label) is registered")],
                        actions: ["\(verb) \(node.label)"])
                    return PreparedOperation(plan: plan) { report throws(WardenError) in
                        self.log.withLock { $0.append("run \(verb) \(node.nodeID)") }
                        report(OperationMessage(.notice, "NODE \(verb.uppercased()) successful"))
                    }
                }
            })
    }
}
