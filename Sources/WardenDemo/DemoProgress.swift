/// What the demo reports while it sets up and tears down; the executable prints it.
public enum DemoProgress: Sendable, Equatable {
    /// A step began (`initdb node1`, `clone node2 (1/2)`).
    case started(String)
    /// A running step's progress (a clone's bytes and rate).
    case progress(String, detail: String)
    /// A step ended successfully after `elapsed`, with an optional result (`port 54321`).
    case finished(String, elapsed: Duration, result: String?)
    /// A step that was skipped, with the reason (no pgbouncer installed).
    case skipped(String, reason: String)
    /// A line of information outside the steps.
    case note(String)
}
