import Foundation

/// Threads for blocking calls (libpq network waits, `poll(2)`, child processes). A thread that
/// finishes its call parks for the next one instead of exiting, so a daemon that waits and
/// queries all day does not create and destroy a thread (and map a stack) for each call. Any
/// number of calls still run at once: a call that finds no parked thread gets a new one, so a
/// hung server never queues other calls behind it.
final class BlockingThreadPool: @unchecked Sendable {
    /// The pool every ``DedicatedThread`` call uses.
    static let shared = BlockingThreadPool(parkedLimit: 8, parkedTimeout: 30)

    private let condition = NSCondition()
    private let parkedLimit: Int
    private let parkedTimeout: TimeInterval
    // Guarded by `condition`.
    private var jobs: [@Sendable () -> Void] = []
    private var parked = 0

    /// Keeps at most `parkedLimit` idle threads, each for at most `parkedTimeout` seconds.
    init(parkedLimit: Int, parkedTimeout: TimeInterval) {
        self.parkedLimit = parkedLimit
        self.parkedTimeout = parkedTimeout
    }

    /// Runs `job` on a parked thread, or on a new one when every thread is busy.
    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        let wakeParked = parked >= jobs.count
        if wakeParked { condition.signal() }
        condition.unlock()
        if !wakeParked {
            let thread = Thread { [self] in work() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func work() {
        condition.lock()
        while true {
            if !jobs.isEmpty {
                let job = jobs.removeFirst()
                condition.unlock()
                job()
                condition.lock()
                continue
            }
            guard parked < parkedLimit else { break }
            parked += 1
            let signalled = condition.wait(until: Date(timeIntervalSinceNow: parkedTimeout))
            parked -= 1
            if !signalled, jobs.isEmpty { break }
        }
        condition.unlock()
    }
}
