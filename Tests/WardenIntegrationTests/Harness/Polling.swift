import Foundation

/// Waits for a condition by polling it, instead of sleeping a fixed time.
enum Polling {
    /// Calls `condition` every `interval` until it returns true; throws a ``HarnessError`` mentioning
    /// `what` when `timeout` passes first. Blocks the calling thread.
    static func until(
        _ what: @autoclosure () -> String,
        timeout: Duration = .seconds(30),
        interval: Duration = .milliseconds(50),
        _ condition: () throws -> Bool
    ) throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if try condition() { return }
            if clock.now >= deadline {
                throw HarnessError("timed out after \(timeout) waiting for \(what())")
            }
            Thread.sleep(forTimeInterval: seconds(interval))
        }
    }

    /// The `async` form: suspends with `Task.sleep` between attempts.
    static func until(
        _ what: @autoclosure () -> String,
        timeout: Duration = .seconds(30),
        interval: Duration = .milliseconds(50),
        _ condition: () async throws -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if try await condition() { return }
            if clock.now >= deadline {
                throw HarnessError("timed out after \(timeout) waiting for \(what())")
            }
            try await Task.sleep(for: interval)
        }
    }

    /// `duration` in seconds, as a `TimeInterval`.
    static func seconds(_ duration: Duration) -> TimeInterval {
        let parts = duration.components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
