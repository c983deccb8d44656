import Foundation
import Synchronization
import WardenDemo

/// Prints the demo's setup and teardown steps to standard error: one line per finished step with the
/// time since the demo started and the step's own duration; on a terminal, the running step (with
/// its progress, e.g. a clone's bytes and rate) is shown on a line that the next update overwrites.
final class DemoProgressPrinter: Sendable {
    private let interactive: Bool
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let lastProgress = Mutex<ContinuousClock.Instant?>(nil)

    init(interactive: Bool) {
        self.interactive = interactive
        self.start = ContinuousClock.now
    }

    /// Seconds since the demo started.
    var elapsed: Duration { clock.now - start }

    func show(_ event: DemoProgress) {
        switch event {
        case .started(let step):
            if interactive { overwrite("  …  \(step)") }
        case .progress(let step, let detail):
            guard interactive, due() else { return }
            overwrite("  …  \(step): \(detail)")
        case .finished(let step, let duration, let result):
            let suffix = result.map { "  \($0)" } ?? ""
            line("  ✓  \(step) (\(Self.seconds(duration)))\(suffix)")
        case .skipped(let step, let reason):
            line("  -  \(step): skipped, \(reason)")
        case .note(let text):
            line("     \(text)")
        }
    }

    /// A failed step: its line is replaced by the error's first line.
    func failed(_ message: String) {
        line("  ✗  \(message)")
    }

    private func line(_ text: String) {
        let stamp = "[\(Self.seconds(elapsed, width: 6))]"
        write((interactive ? "\r\u{1B}[K" : "") + stamp + text + "\n")
    }

    private func overwrite(_ text: String) {
        let stamp = "[\(Self.seconds(elapsed, width: 6))]"
        write("\r\u{1B}[K" + stamp + text)
    }

    private func due() -> Bool {
        let now = clock.now
        return lastProgress.withLock { last in
            if let previous = last, now - previous < .milliseconds(100) { return false }
            last = now
            return true
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func seconds(_ duration: Duration, width: Int = 0) -> String {
        let text = String(
            format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
