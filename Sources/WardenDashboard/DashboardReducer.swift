import Foundation
import WardenEngine
import WardenTerminal

/// The dashboard's only state transition: `(state, action) -> (state, effects)`. Pure, so
/// every key and refresh outcome is tested without a terminal or a server.
public enum DashboardReducer {
    public static func reduce(_ state: inout DashboardState, _ action: DashboardAction) -> [DashboardEffect] {
        switch action {
        case .key(let key):
            if key == .resize { return [] }
            state.notice = nil
            return handleKey(&state, key)
        case .tick(let date):
            state.now = date
            if let notice = state.notice, date.timeIntervalSince(notice.shownAt) > Notice.lifetime {
                state.notice = nil
            }
            return []
        case .refreshStarted:
            state.refreshing = true
            return []
        case .snapshotLoaded(let snapshot):
            apply(snapshot, to: &state)
            return []
        case .refreshFailed(let message, let date):
            state.refreshing = false
            state.refreshFailure = message
            state.refreshFailedAt = date
            return []
        case .detailsLoaded(let nodeID, let details):
            if state.detailsNodeID == nodeID { state.details = details }
            return []
        case .operationPrepared(let flowID, let plan):
            guard var flow = currentFlow(state, id: flowID), flow.phase == .preparing else {
                return [.discardOperation(flowID: flowID)]
            }
            flow.phase = flow.kind == .switchover ? .checklist(plan) : .confirming(plan)
            state.overlay = .operation(flow)
            return []
        case .operationMessage(let flowID, let message, let elapsed):
            guard var flow = currentFlow(state, id: flowID) else { return [] }
            flow.steps.append(OperationFlow.Step(message: message, elapsed: elapsed))
            if flow.steps.count > 500 { flow.steps.removeFirst(flow.steps.count - 500) }
            state.overlay = .operation(flow)
            return []
        case .operationFinished(let flowID, let error, let elapsed, let date):
            guard var flow = currentFlow(state, id: flowID) else { return [] }
            let wasRunning: Bool
            if case .running = flow.phase { wasRunning = true } else { wasRunning = false }
            let outcome: OperationFlow.Outcome
            if let error {
                outcome = OperationFlow.Outcome(
                    succeeded: false,
                    message: wasRunning
                        ? "\(flow.title) failed: \(error.message)"
                        : "\(flow.title) could not be prepared: \(error.message)",
                    detail: error.detail, hint: error.hint, elapsed: wasRunning ? elapsed : nil, finishedAt: date)
            } else {
                outcome = OperationFlow.Outcome(
                    succeeded: true,
                    message: flow.kind.isClusterWide
                        ? "\(flow.title) completed"
                        : "\(flow.title) of \(flow.node?.nodeName ?? "the cluster") completed",
                    detail: nil, hint: nil, elapsed: elapsed, finishedAt: date)
            }
            flow.phase = .finished(outcome)
            state.overlay = .operation(flow)
            return [.refreshNow]
        case .demoActionFinished(let result, let date):
            state.notice = Notice("demo: \(result.text)", role: result.failed ? .warning : .ok, at: date)
            return [.refreshNow]
        }
    }

    // MARK: Refresh results

    private static func apply(_ snapshot: ClusterSnapshot, to state: inout DashboardState) {
        state.snapshot = snapshot
        state.rows = NodeTable.rows(snapshot)
        state.lagHistory.append(snapshot.lagSamples)
        state.refreshFailure = nil
        state.refreshFailedAt = nil
        state.refreshing = false
        if snapshot.fetchedAt > state.now { state.now = snapshot.fetchedAt }
        if state.selectedNodeID == nil || !state.rows.contains(where: { $0.node.nodeID == state.selectedNodeID }) {
            state.selectedNodeID = state.rows.first?.node.nodeID
        }
        state.selectedEvent = min(state.selectedEvent, max(0, state.visibleEvents.count - 1))
        guard case .operation(var flow) = state.overlay, flow.kind == .switchover,
            case .finished(var outcome) = flow.phase, outcome.succeeded, outcome.postCheck == nil,
            snapshot.fetchedAt > outcome.finishedAt, let candidate = flow.node
        else { return }
        outcome.postCheck = postCheck(candidate: candidate, snapshot: snapshot)
        flow.phase = .finished(outcome)
        state.overlay = .operation(flow)
    }

    /// After a switchover: exactly one primary, the candidate, and every other node following.
    static func postCheck(candidate: NodeRecord, snapshot: ClusterSnapshot) -> OperationFlow.PostCheck {
        var lines: [String] = []
        let report = snapshot.report
        let writable = report.rows.filter {
            $0.observation.reachable && $0.observation.inRecovery == false && $0.node.type != .witness
        }
        var passed = true
        if writable.count == 1, writable[0].node.nodeID == candidate.nodeID {
            lines.append("one primary: \(candidate.nodeName)")
        } else {
            passed = false
            let names = writable.map(\.node.nodeName).joined(separator: ", ")
            lines.append("expected \(candidate.nodeName) as the only primary, found: \(names.isEmpty ? "none" : names)")
        }
        for row in report.rows where row.node.nodeID != candidate.nodeID && row.node.type != .witness {
            let following = row.observation.reachable && row.observation.inRecovery == true
            let upstream = row.upstreamName ?? "?"
            lines.append(
                "\(row.node.nodeName): \(row.status.trimmingCharacters(in: .whitespaces)), upstream \(upstream)")
            if !following { passed = false }
        }
        if !report.issues.isEmpty {
            passed = false
            lines += report.issues.map { "problem: \($0)" }
        }
        return OperationFlow.PostCheck(passed: passed, lines: lines)
    }

    // MARK: Keys

    private static func handleKey(_ state: inout DashboardState, _ key: Key) -> [DashboardEffect] {
        switch state.overlay {
        case .help:
            if [.escape, .character("?"), .character("q"), .enter, .function(1)].contains(key) {
                state.overlay = .none
            }
            return []
        case .details:
            return handleDetailsKey(&state, key)
        case .filter(let draft):
            return handleFilterKey(&state, key, draft: draft)
        case .operation(let flow):
            return handleFlowKey(&state, key, flow: flow)
        case .none:
            guard let command = Keymap.command(for: key, in: state) else {
                refuseActionKey(&state, key)
                return []
            }
            return perform(command, in: &state)
        }
    }

    /// An action key in a read-only or wall session says why nothing happens, so the
    /// refusal is visible (and testable) rather than silent.
    private static func refuseActionKey(_ state: inout DashboardState, _ key: Key) {
        guard state.mode.isReadOnly,
            let kind = OperationKind.allCases.first(where: { key == .character($0.key) })
        else { return }
        state.notice = Notice(
            "read-only session: \(kind.shortName) is not available (started with --read-only or --wall)",
            role: .muted, at: state.now)
    }

    private static func perform(_ command: KeyCommand, in state: inout DashboardState) -> [DashboardEffect] {
        switch command {
        case .quit:
            state.shouldQuit = true
            return [.quit]
        case .help:
            state.overlay = .help
        case .nextPane:
            state.focus = state.focus.next
        case .previousPane:
            state.focus = state.focus.previous
        case .up: move(&state, by: -1)
        case .down: move(&state, by: 1)
        case .pageUp: move(&state, by: -10)
        case .pageDown: move(&state, by: 10)
        case .top: move(&state, by: Int.min / 2)
        case .bottom: move(&state, by: Int.max / 2)
        case .details:
            guard let row = state.selectedRow else { return [] }
            return openDetails(&state, row.node)
        case .filter:
            state.overlay = .filter(draft: state.filters[state.focus] ?? "")
        case .clearFilter:
            state.filters = [:]
        case .faster, .slower:
            let steps = DashboardState.refreshSteps
            let index = steps.lastIndex { $0 <= state.refreshInterval } ?? 0
            let next = command == .faster ? max(0, index - 1) : min(steps.count - 1, index + 1)
            state.refreshInterval = steps[next]
            state.notice = Notice("refreshing every \(ValueFormat.interval(steps[next]))", role: .muted, at: state.now)
        case .togglePause:
            state.paused.toggle()
            return state.paused ? [] : [.refreshNow]
        case .refreshNow:
            return [.refreshNow]
        case .nextTheme:
            state.themeIndex = (state.themeIndex + 1) % state.themes.count
            state.notice = Notice("theme: \(state.theme.name)", role: .muted, at: state.now)
        case .historyWindow:
            state.historyWindow = state.historyWindow.next
            return [.refreshNow]
        case .repaint:
            state.repaintRequests += 1
        case .operation(let kind):
            return startOperation(kind, in: &state)
        case .demo(let index):
            guard state.demoKeys.indices.contains(index) else { return [] }
            state.notice = Notice("demo: \(state.demoKeys[index].summary)…", role: .muted, at: state.now)
            return [.runDemoAction(index: index, state.selectedRow?.node)]
        }
        return []
    }

    private static func move(_ state: inout DashboardState, by delta: Int) {
        switch state.focus {
        case .nodes:
            let visible = state.visibleRows
            guard !visible.isEmpty else { return }
            let current = visible.firstIndex { $0.node.nodeID == state.selectedNodeID } ?? 0
            let target = min(max(0, current.addingReportingOverflow(delta).partialValue), visible.count - 1)
            state.selectedNodeID = visible[target].node.nodeID
        case .events:
            let count = state.visibleEvents.count
            guard count > 0 else { return }
            state.selectedEvent = min(
                max(0, state.selectedEvent.addingReportingOverflow(delta).partialValue), count - 1)
        case .lag, .history:
            let current = state.scroll[state.focus] ?? 0
            state.scroll[state.focus] = min(max(0, current.addingReportingOverflow(delta).partialValue), 10_000)
        }
    }

    private static func openDetails(_ state: inout DashboardState, _ node: NodeRecord) -> [DashboardEffect] {
        state.overlay = .details(nodeID: node.nodeID)
        state.detailsNodeID = node.nodeID
        state.details = nil
        return [.loadDetails(node)]
    }

    private static func handleDetailsKey(_ state: inout DashboardState, _ key: Key) -> [DashboardEffect] {
        switch key {
        case .escape, .enter, .character("q"):
            state.overlay = .none
            state.detailsNodeID = nil
            state.details = nil
            return []
        case .up, .character("k"), .down, .character("j"):
            let saved = state.focus
            state.focus = .nodes
            move(&state, by: key == .up || key == .character("k") ? -1 : 1)
            state.focus = saved
            guard let row = state.selectedRow, row.node.nodeID != state.detailsNodeID else { return [] }
            return openDetails(&state, row.node)
        default:
            return []
        }
    }

    private static func handleFilterKey(_ state: inout DashboardState, _ key: Key, draft: String) -> [DashboardEffect] {
        var text = draft
        switch key {
        case .enter:
            state.overlay = .none
            return []
        case .escape:
            state.filters[state.focus] = nil
            state.overlay = .none
            return []
        case .backspace, .delete:
            if !text.isEmpty { text.removeLast() }
        case .control("u"):
            text = ""
        case .character(let character):
            if text.count < 64 { text.append(character) }
        default:
            return []
        }
        state.filters[state.focus] = text.isEmpty ? nil : text
        state.overlay = .filter(draft: text)
        if state.focus == .events { state.selectedEvent = 0 }
        return []
    }

    // MARK: Operations

    private static func startOperation(_ kind: OperationKind, in state: inout DashboardState) -> [DashboardEffect] {
        guard !state.mode.isReadOnly, state.operations.contains(kind) else { return [] }
        let id = state.nextFlowID
        state.nextFlowID += 1
        if kind == .switchover {
            let candidates = state.rows.filter { $0.node.type == .standby }
                .map { OperationFlow.Candidate(row: $0, ineligibility: kind.ineligibility(of: $0)) }
                .sorted { ($0.ineligibility == nil ? 0 : 1) < ($1.ineligibility == nil ? 0 : 1) }
            guard !candidates.isEmpty else {
                state.notice = Notice(
                    "switchover: there is no standby to switch over to", role: .warning, at: state.now)
                return []
            }
            var flow = OperationFlow(id: id, kind: kind, node: nil, candidates: candidates, phase: .choosingCandidate)
            flow.candidateIndex =
                candidates.firstIndex { $0.ineligibility == nil && $0.row.node.nodeID == state.selectedNodeID } ?? 0
            state.overlay = .operation(flow)
            return []
        }
        if kind == .pauseDaemons {
            guard state.snapshot != nil else {
                state.notice = Notice("daemons: the cluster has not been read yet", role: .warning, at: state.now)
                return []
            }
            let pause = !state.daemonsPaused
            state.overlay = .operation(OperationFlow(id: id, kind: kind, node: nil, pause: pause, phase: .preparing))
            return [.prepareDaemonPause(flowID: id, pause: pause)]
        }
        guard let row = state.selectedRow else { return [] }
        if let reason = kind.ineligibility(of: row) {
            state.notice = Notice("\(kind.title.lowercased()): \(reason)", role: .warning, at: state.now)
            return []
        }
        if kind == .fence {
            // A toggle: its direction follows the node's fenced state in the last snapshot.
            let fence = !row.fenced
            state.overlay = .operation(
                OperationFlow(id: id, kind: kind, node: row.node, fence: fence, phase: .preparing))
            return [.prepareFence(flowID: id, fence: fence, row.node)]
        }
        state.overlay = .operation(OperationFlow(id: id, kind: kind, node: row.node, phase: .preparing))
        return [.prepareOperation(flowID: id, kind, row.node)]
    }

    private static func currentFlow(_ state: DashboardState, id: Int) -> OperationFlow? {
        guard case .operation(let flow) = state.overlay, flow.id == id else { return nil }
        return flow
    }

    private static func close(_ flow: OperationFlow, _ state: inout DashboardState) -> [DashboardEffect] {
        state.overlay = .none
        return [.discardOperation(flowID: flow.id)]
    }

    private static func handleFlowKey(_ state: inout DashboardState, _ key: Key, flow original: OperationFlow)
        -> [DashboardEffect]
    {
        var flow = original
        switch flow.phase {
        case .choosingCandidate:
            switch key {
            case .up, .character("k"):
                flow.candidateIndex = max(0, flow.candidateIndex - 1)
            case .down, .character("j"):
                flow.candidateIndex = min(flow.candidates.count - 1, flow.candidateIndex + 1)
            case .enter:
                guard flow.candidates.indices.contains(flow.candidateIndex) else { return [] }
                let candidate = flow.candidates[flow.candidateIndex]
                guard candidate.ineligibility == nil else { return [] }
                flow.node = candidate.row.node
                flow.phase = .preparing
                state.overlay = .operation(flow)
                return [.prepareOperation(flowID: flow.id, flow.kind, candidate.row.node)]
            case .escape, .character("q"):
                return close(flow, &state)
            default:
                return []
            }
        case .preparing:
            guard key == .escape else { return [] }
            return close(flow, &state)
        case .checklist(let plan):
            switch key {
            case .enter where plan.canProceed: flow.phase = .summary(plan)
            case .escape, .character("q"): return close(flow, &state)
            default: return []
            }
        case .summary(let plan):
            switch key {
            case .enter: flow.phase = .confirming(plan)
            case .backspace, .left: flow.phase = .checklist(plan)
            case .escape, .character("q"): return close(flow, &state)
            default: return []
            }
        case .confirming(let plan):
            guard plan.canProceed else {
                guard [.enter, .escape, .character("q")].contains(key) else { return [] }
                return close(flow, &state)
            }
            switch key {
            case .tab, .backTab, .left, .right:
                flow.focus = flow.focus == .cancel ? .confirm : .cancel
            case .escape:
                return close(flow, &state)
            case .enter:
                guard flow.focus == .confirm else { return close(flow, &state) }
                guard flow.canConfirm else { return [] }
                flow.phase = .running(plan)
                state.overlay = .operation(flow)
                return [.runOperation(flowID: flow.id)]
            case .backspace, .delete:
                if !flow.typedName.isEmpty { flow.typedName.removeLast() }
            case .character(let character):
                guard flow.kind.requiresTypedName, flow.typedName.count < 128 else { return [] }
                flow.typedName.append(character)
            default:
                return []
            }
        case .running:
            return []
        case .finished:
            guard [.enter, .escape, .character("q")].contains(key) else { return [] }
            state.overlay = .none
            return []
        }
        state.overlay = .operation(flow)
        return []
    }
}
