import Synchronization
import WardenEngine

/// Runs work that may hang on an unresponsive server and gives up waiting after a deadline.
/// The abandoned work finishes on its own later (every libpq wait has its own timeout);
/// the caller moves on and drops the connection it used.
enum Deadline {
    static func run<T: Sendable>(
        _ timeout: Duration, what: String, _ work: @escaping @Sendable () async throws(WardenError) -> T
    ) async throws(WardenError) -> T {
        let slot = Mutex<CheckedContinuation<Result<T, WardenError>, Never>?>(nil)
        let result: Result<T, WardenError> = await withCheckedContinuation { continuation in
            slot.withLock { $0 = continuation }
            let finish: @Sendable (Result<T, WardenError>) -> Void = { outcome in
                slot.withLock { pending in
                    pending?.resume(returning: outcome)
                    pending = nil
                }
            }
            Task.detached {
                do throws(WardenError) {
                    finish(.success(try await work()))
                } catch {
                    finish(.failure(error))
                }
            }
            Task.detached {
                try? await Task.sleep(for: timeout)
                finish(
                    .failure(
                        WardenError(
                            "\(what) did not answer within \(timeout.components.seconds) s", exitStatus: .dbQuery)))
            }
        }
        return try result.get()
    }
}
