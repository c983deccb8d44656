import Foundation
import Synchronization
import WardenEngine

/// Holds the state, runs the reducer for every action from any thread (keys from the UI
/// thread, snapshots from the refresher, steps from a running operation), and carries out
/// the effects through the session. The UI thread only reads the state and draws it.
public final class DashboardRuntime: Sendable {
    private let state: Mutex<DashboardState>
    private let version = Atomic<UInt64>(0)
    private let session: DashboardSession
    private let prepared = Mutex<[Int: PreparedOperation]>([:])
    private let refreshRequested = Atomic<Bool>(true)
    private let demoActions: [DemoAction]

    public init(initialState: DashboardState, session: DashboardSession, demoActions: [DemoAction] = []) {
        self.state = Mutex(initialState)
        self.session = session
        self.demoActions = demoActions
    }

    /// Applies `action` and performs the effects the reducer asked for.
    public func send(_ action: DashboardAction) {
        let effects = state.withLock { DashboardReducer.reduce(&$0, action) }
        version.add(1, ordering: .releasing)
        for effect in effects { perform(effect) }
    }

    /// The current state and a counter that changes whenever it does.
    public func current() -> (state: DashboardState, version: UInt64) {
        state.withLock { ($0, version.load(ordering: .acquiring)) }
    }

    private func perform(_ effect: DashboardEffect) {
        switch effect {
        case .quit:
            break
        case .refreshNow:
            refreshRequested.store(true, ordering: .releasing)
        case .loadDetails(let node):
            Task.detached { [self] in
                let details = await session.details(for: node)
                send(.detailsLoaded(nodeID: node.nodeID, details))
            }
        case .prepareOperation(let flowID, let kind, let node):
            Task.detached { [self] in
                await prepare(flowID: flowID) { [session] () throws(WardenError) in
                    try session.operation(kind, for: node)
                }
            }
        case .prepareDaemonPause(let flowID, let pause):
            Task.detached { [self] in
                await prepare(flowID: flowID) { [session] () throws(WardenError) in
                    try session.daemonPauseOperation(pause: pause)
                }
            }
        case .prepareFence(let flowID, let fence, let node):
            Task.detached { [self] in
                await prepare(flowID: flowID) { [session] () throws(WardenError) in
                    try session.fenceOperation(fence: fence, for: node)
                }
            }
        case .runOperation(let flowID):
            guard let operation = prepared.withLock({ $0.removeValue(forKey: flowID) }) else { return }
            Task.detached { [self] in await run(operation, flowID: flowID) }
        case .discardOperation(let flowID):
            _ = prepared.withLock { $0.removeValue(forKey: flowID) }
        case .runDemoAction(let index, let node):
            guard demoActions.indices.contains(index) else { return }
            let action = demoActions[index]
            Task.detached { [self] in
                send(.demoActionFinished(await action.run(node), at: Date()))
            }
        }
    }

    /// Builds the operation through the session and prepares it, streaming its messages.
    private func prepare(flowID: Int, build: () throws(WardenError) -> ClusterOperation) async {
        let start = ContinuousClock.now
        let sink: MessageSink = { [self] message in
            send(.operationMessage(flowID: flowID, message, elapsed: ContinuousClock.now - start))
        }
        do throws(WardenError) {
            let operation = try build()
            let ready = try await operation.prepare(report: sink)
            prepared.withLock { $0[flowID] = ready }
            send(.operationPrepared(flowID: flowID, ready.plan))
        } catch {
            send(.operationFinished(flowID: flowID, error: error, elapsed: ContinuousClock.now - start, at: Date()))
        }
    }

    private func run(_ operation: PreparedOperation, flowID: Int) async {
        let start = ContinuousClock.now
        let sink: MessageSink = { [self] message in
            send(.operationMessage(flowID: flowID, message, elapsed: ContinuousClock.now - start))
        }
        do throws(WardenError) {
            try await operation.run(report: sink)
            send(.operationFinished(flowID: flowID, error: nil, elapsed: ContinuousClock.now - start, at: Date()))
        } catch {
            send(.operationFinished(flowID: flowID, error: error, elapsed: ContinuousClock.now - start, at: Date()))
        }
    }

    /// Refreshes every interval (or at once when asked) until cancelled; runs off the UI thread,
    /// so a hung node delays only the data, never the keys.
    public func refreshLoop() async {
        var lastStart: ContinuousClock.Instant?
        while !Task.isCancelled {
            let (paused, interval, window) = state.withLock { ($0.paused, $0.refreshInterval, $0.historyWindow) }
            let due = lastStart.map { ContinuousClock.now - $0 >= .milliseconds(Int64(interval * 1000)) } ?? true
            let asked = refreshRequested.exchange(false, ordering: .acquiringAndReleasing)
            guard asked || (due && !paused) else {
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            lastStart = ContinuousClock.now
            send(.refreshStarted)
            do throws(WardenError) {
                send(.snapshotLoaded(try await session.fetchSnapshot(window: window)))
            } catch {
                let text = error.detail == nil ? error.message : "\(error.message): \(DashboardSession.reason(error))"
                send(.refreshFailed(text, at: Date()))
            }
        }
    }
}
