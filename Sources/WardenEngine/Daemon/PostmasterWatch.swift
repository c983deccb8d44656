import CLinux
import Foundation

/// A descriptor that becomes readable the moment the local postmaster exits (`pidfd_open(2)` on
/// the PID in postmaster.pid), so that a primary's daemon releases its lease at once after a
/// kill -9 instead of at its next local check (which also releases it, where no pidfd can be
/// opened). An idle session on the server, closed by its backend when that notices the
/// postmaster's death, was late by up to a monitoring interval in half the benchmark runs.
final class PostmasterWatch {
    /// The descriptor to poll for `POLLIN`.
    let descriptor: Int32

    /// Watches the postmaster running on `dataDirectory`; nil when none runs (or pidfds are unavailable).
    init?(dataDirectory: String) {
        guard let pid = StoppedPrimaryFence.postmasterPID(dataDirectory: dataDirectory) else { return nil }
        let descriptor = pidfd_open(pid, 0)
        guard descriptor >= 0 else { return nil }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
