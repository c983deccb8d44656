import Foundation
import Synchronization
import WardenEngine

/// Shows clone progress: one self-overwriting line on a terminal, otherwise a plain line
/// at most once a second (so logs stay readable).
final class CloneProgressDisplay: Sendable {
    private let interactive: Bool
    private let lastPrinted = Mutex<ContinuousClock.Instant?>(nil)

    init(interactive: Bool) {
        self.interactive = interactive
    }

    func show(_ progress: CloneProgress) {
        let now = ContinuousClock.now
        let due = lastPrinted.withLock { last -> Bool in
            let interval: Duration = interactive ? .milliseconds(100) : .seconds(1)
            if let previous = last, now - previous < interval, progress.fraction < 1 { return false }
            last = now
            return true
        }
        guard due else { return }
        if interactive {
            Console.write("\r\u{1B}[Kcopying: \(progress.summary)", to: .standardError)
        } else {
            Console.err("INFO: copying: \(progress.summary)")
        }
    }

    func finish() {
        if interactive && lastPrinted.withLock({ $0 != nil }) { Console.write("\n", to: .standardError) }
    }
}
