import Foundation
import Synchronization

/// The daemon loop's one place to sleep. A wait blocks in `poll(2)` on three things at once:
/// an inotify descriptor on the daemon's mailbox directory (a message moved in), a self-pipe
/// that background checks and signal handlers write to, and the upstream connection's socket
/// (the upstream crashed). So the loop sleeps until something happens or its next deadline,
/// instead of waking every few milliseconds to look, and reacts to a message or a crash at once.
final class DaemonWakeup: Sendable {
    /// What ended a wait; several can be true at once.
    struct Reasons: OptionSet, Sendable {
        let rawValue: Int
        static let mailbox = Reasons(rawValue: 1)
        static let nudged = Reasons(rawValue: 2)
        static let upstreamSocket = Reasons(rawValue: 4)
        static let postmasterExited = Reasons(rawValue: 8)
    }

    /// Deliveries to the mailbox end a wait; false when inotify is unavailable, and the mailbox
    /// must then be looked at on every pass.
    var watchesMailbox: Bool { inotifyDescriptor >= 0 }

    private let inotifyDescriptor: Int32
    private let pipeRead: Int32
    private let pipeWrite: Int32

    /// Watches `mailboxDirectory` for delivered messages. Without inotify (or a pipe) the
    /// daemon still works: a wait then ends only at its deadline, and messages are seen then.
    init(mailboxDirectory: String) {
        var inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if inotify >= 0, inotify_add_watch(inotify, mailboxDirectory, UInt32(IN_MOVED_TO | IN_CLOSE_WRITE)) < 0 {
            close(inotify)
            inotify = -1
        }
        inotifyDescriptor = inotify
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            }
        }
        pipeRead = ends[0]
        pipeWrite = ends[1]
    }

    deinit {
        for descriptor in [inotifyDescriptor, pipeRead, pipeWrite] where descriptor >= 0 { close(descriptor) }
    }

    /// Ends the current (or the next) wait early. Safe from any thread.
    func nudge() {
        guard pipeWrite >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(pipeWrite, &byte, 1)
    }

    /// Sleeps until a message arrives, someone nudges, `socket` becomes readable, the process
    /// behind the pidfd `postmaster` exits, or `timeout` passes; on a dedicated thread, never on
    /// Swift's cooperative pool. The daemon's own writes into its mailbox directory (its published
    /// report) do not end the wait.
    func wait(socket: Int32?, postmaster: Int32? = nil, timeout: Duration) async -> Reasons {
        let deadline = ContinuousClock.now + timeout
        return await DedicatedThread.run { [self] in
            while true {
                let remaining = deadline - ContinuousClock.now
                var descriptors = [
                    pollfd(fd: inotifyDescriptor, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: pipeRead, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: socket ?? -1, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: postmaster ?? -1, events: Int16(POLLIN), revents: 0),
                ]
                let milliseconds = Int32(clamping: max(remaining.milliseconds, 0))
                guard poll(&descriptors, nfds_t(descriptors.count), milliseconds) > 0 else { return [] }
                var reasons: Reasons = []
                if descriptors[0].revents != 0, messageArrived() { reasons.insert(.mailbox) }
                if descriptors[1].revents != 0 {
                    drain(pipeRead)
                    reasons.insert(.nudged)
                }
                if descriptors[2].revents != 0 { reasons.insert(.upstreamSocket) }
                if descriptors[3].revents != 0 { reasons.insert(.postmasterExited) }
                if !reasons.isEmpty || ContinuousClock.now >= deadline { return reasons }
            }
        }
    }

    /// Reads the pending inotify events; true when one of them is a delivered message (`msg-*`).
    private func messageArrived() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var arrived = false
        while true {
            let count = read(inotifyDescriptor, &buffer, buffer.count)
            guard count > 0 else { return arrived }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let length = buffer.withUnsafeBytes {
                    Int($0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                }
                let nameBytes = buffer[(offset + header)..<min(offset + header + length, count)]
                if nameBytes.starts(with: Array("msg-".utf8)) { arrived = true }
                offset += header + length
            }
        }
    }

    private func drain(_ descriptor: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while read(descriptor, &buffer, buffer.count) > 0 {}
    }
}
