import Synchronization
import WardenEngine

/// Ctrl-C, SIGTERM and SIGHUP (the terminal went away) as one latched "stop the demo" flag,
/// polled by the setup steps, the dashboard's UI loop and the `--no-ui` wait.
final class DemoStopSignal: Sendable {
    private let signals = DaemonSignals()
    private let hangup = Mutex(false)

    /// Installs the handlers (the signals' default actions would end the demo without cleaning up).
    func install() { signals.install() }

    var requested: Bool {
        if signals.takeReloadRequest() { hangup.withLock { $0 = true } }
        return signals.terminateRequested || hangup.withLock { $0 }
    }
}
