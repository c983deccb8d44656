import Foundation
import Synchronization

/// SIGTERM (shut down cleanly) and SIGHUP (reload the configuration) as flags the daemon's
/// loop polls; the handlers run on a dispatch queue, never inside the loop.
public final class DaemonSignals: Sendable {
    private let flags = Mutex<(terminate: Bool, reload: Bool)>((false, false))
    private let listener = Mutex<(@Sendable () -> Void)?>(nil)
    /// Kept alive for the life of the daemon; only touched by `install()` on the main path.
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    public init() {}

    /// Installs the handlers (and ignores the default actions) for SIGTERM, SIGINT and SIGHUP.
    public func install() {
        var installed: [DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                flags.withLock { value in
                    if number == SIGHUP { value.reload = true } else { value.terminate = true }
                }
                listener.withLock { $0 }?()
            }
            source.resume()
            installed.append(source)
        }
        sources = installed
    }

    /// Called after each signal is noted, so that a sleeping loop can wake up and look.
    func onSignal(_ handler: @escaping @Sendable () -> Void) {
        listener.withLock { $0 = handler }
    }

    public var terminateRequested: Bool { flags.withLock { $0.terminate } }

    /// True once per SIGHUP.
    public func takeReloadRequest() -> Bool {
        flags.withLock { value in
            defer { value.reload = false }
            return value.reload
        }
    }
}
