/// What a daemon's PID file says (see ``DaemonProcess/pidFileState(for:)``).
public enum PIDFileState: Sendable, Equatable {
    /// There is no PID file.
    case absent
    /// This configuration's daemon runs with this PID.
    case running(Int32)
    /// The file names no live daemon of this configuration (no PID, no such process, another
    /// program): nothing is signalled, and the next daemon that starts replaces the file.
    case stale(reason: String)
}
