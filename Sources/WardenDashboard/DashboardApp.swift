import Foundation
import WardenEngine
import WardenTerminal

/// Runs the dashboard in the terminal until `q`: the UI loop on a thread of its own (blocking
/// in `get_wch` with a short timeout), the refresher in a detached task.
public enum DashboardApp {
    /// How long the UI waits for a key before looking at the state again.
    static let keyTimeoutMilliseconds: Int32 = 100

    public static func run(session: DashboardSession, options: DashboardOptions) async throws(TerminalError) {
        let outcome: Result<Void, TerminalError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(TerminalError) {
                    try uiLoop(session: session, options: options)
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = "pgwarden dashboard UI"
            thread.stackSize = 8 << 20
            thread.start()
        }
        try outcome.get()
    }

    /// The state a session starts in: mode, operations, themes (adapted to the terminal's colours), interval.
    public static func initialState(session: DashboardSession, options: DashboardOptions, colorDepth: ColorDepth)
        -> DashboardState
    {
        let selection = ThemeSelection.resolve(requested: options.theme, environment: options.environment)
        var state = DashboardState(
            mode: session.mode, operations: session.availableOperations,
            themes: selection.themes.map { $0.adapted(to: colorDepth) }, themeIndex: selection.index,
            glyphs: GlyphSet.detect(environment: options.environment), refreshInterval: options.refreshInterval,
            thresholds: session.thresholds)
        state.demoKeys = options.demoActions.map(\.key)
        if !selection.problems.isEmpty {
            state.notice = Notice(selection.problems.joined(separator: " · "), role: .warning, at: state.now)
        }
        return state
    }

    private static func uiLoop(session: DashboardSession, options: DashboardOptions) throws(TerminalError) {
        let terminal = try CursesTerminal.start(environment: options.environment)
        defer { terminal.stop() }
        let runtime = DashboardRuntime(
            initialState: initialState(session: session, options: options, colorDepth: terminal.colorDepth),
            session: session, demoActions: options.demoActions)
        let refresher = Task.detached { await runtime.refreshLoop() }
        defer { refresher.cancel() }
        var drawnVersion: UInt64?
        var drawnSize: TerminalSize?
        var repaintsDone = 0
        var lastSecond = 0
        while true {
            if let key = terminal.readKey(timeoutMilliseconds: keyTimeoutMilliseconds) {
                runtime.send(.key(key))
            }
            let now = Date()
            let second = Int(now.timeIntervalSince1970)
            if second != lastSecond {
                lastSecond = second
                runtime.send(.tick(now))
            }
            let (state, version) = runtime.current()
            if state.shouldQuit || options.quitRequested() { return }
            let size = terminal.size
            if state.repaintRequests != repaintsDone {
                repaintsDone = state.repaintRequests
                terminal.invalidate()
                drawnVersion = nil
            }
            if version != drawnVersion || size != drawnSize {
                terminal.present(DashboardRenderer.render(state, size: size))
                drawnVersion = version
                drawnSize = size
            }
        }
    }
}
