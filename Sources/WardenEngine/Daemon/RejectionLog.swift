import Synchronization

/// Logs the messages and reports a daemon drops (see ``EnvelopeRejection``) at warning level,
/// once per sender per minute and not once per message, so that a flood of forgeries cannot
/// flood the log; the next line says how many more were dropped meanwhile.
public final class RejectionLog: Sendable {
    private struct Entry {
        var lastLogged: ContinuousClock.Instant
        var suppressed: Int
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let interval: Duration
    private let log: MessageSink

    public init(log: @escaping MessageSink, interval: Duration = .seconds(60)) {
        self.log = log
        self.interval = interval
    }

    /// Records one dropped item: `what` names it ("a message", "the report of node 2").
    public func dropped(_ what: String, _ rejection: EnvelopeRejection, now: ContinuousClock.Instant = .now) {
        let key = "\(what)|\(rejection.sender.map(String.init) ?? "?")"
        let suppressed: Int? = entries.withLock { entries in
            if let entry = entries[key], now - entry.lastLogged < interval {
                entries[key]?.suppressed += 1
                return nil
            }
            let earlier = entries[key]?.suppressed ?? 0
            entries[key] = Entry(lastLogged: now, suppressed: 0)
            return earlier
        }
        guard let suppressed else { return }
        let from = rejection.sender.map { " claiming to come from node \($0)" } ?? ""
        let more = suppressed > 0 ? " (\(suppressed) more dropped since the last such warning)" : ""
        log(OperationMessage(.warning, "ignoring \(what)\(from): \(rejection.reason)\(more)"))
    }
}
