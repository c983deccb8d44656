import Foundation

/// Runs a blocking call (a libpq network wait, a child process) on a thread of its own (from
/// ``BlockingThreadPool``), so that it never occupies one of the few threads of Swift's cooperative pool.
/// Probing N hung servers concurrently therefore costs one timeout, not N.
enum DedicatedThread {
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            BlockingThreadPool.shared.submit { continuation.resume(returning: body()) }
        }
    }
}
