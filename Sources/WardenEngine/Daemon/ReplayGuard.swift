import Synchronization

/// Remembers the nonces of the messages a daemon accepted while they are young enough to be
/// accepted again, so that a message delivered twice is acted on once.
public final class ReplayGuard: Sendable {
    private let seen = Mutex<[String: Int64]>([:])
    /// How long after it was sent (milliseconds) a message may still be accepted.
    private let window: Int64

    public init(windowMilliseconds: Int64) {
        window = windowMilliseconds
    }

    /// True the first time `nonce` is offered; false for a replay. `sentAt` and `now` are
    /// milliseconds since 1970 (sender's clock and receiver's).
    public func admit(nonce: String, sentAt: Int64, now: Int64) -> Bool {
        seen.withLock { seen in
            seen = seen.filter { $0.value >= now }
            guard seen[nonce] == nil else { return false }
            // Kept until it is too old to pass the age check, even with the sender's clock ahead.
            seen[nonce] = max(sentAt, now) + window
            return true
        }
    }
}
