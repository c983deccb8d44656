import Foundation
import Synchronization
import WardenEngine

/// Everything one demo run has started, recorded in its state file as it happens, and the one
/// place that stops it all again: children first (write load, daemons, pgbouncer), then the
/// servers, then the directory (unless kept) and the state file.
final class DemoSupervisor: Sendable {
    private let store: DemoStateStore
    private let record: Mutex<DemoRunRecord>
    private let stopped = Atomic<Bool>(false)

    init(store: DemoStateStore, directory: String, keep: Bool, bindir: String) throws(WardenError) {
        guard let owner = ProcessIdentity.of(getpid()) else {
            throw WardenError("cannot read /proc/self: the demo needs Linux's /proc", exitStatus: .badConfig)
        }
        self.store = store
        let initial = DemoRunRecord(
            owner: owner, directory: directory, keep: keep, bindir: bindir, dataDirectories: [], children: [])
        self.record = Mutex(initial)
        store.save(initial)
    }

    var directory: String { record.withLock { $0.directory } }

    /// Remembers a data directory whose server this run starts (before it starts).
    func trackServer(_ dataDirectory: String) {
        store.save(
            record.withLock { value in
                if !value.dataDirectories.contains(dataDirectory) { value.dataDirectories.append(dataDirectory) }
                return value
            })
    }

    /// Remembers a spawned child.
    func trackChild(_ role: String, _ identity: ProcessIdentity) {
        store.save(
            record.withLock { value in
                value.children.append(DemoRunRecord.Child(role: role, identity: identity))
                return value
            })
    }

    /// The identity of the child recorded as `role`.
    func child(_ role: String) -> ProcessIdentity? {
        record.withLock { value in value.children.last { $0.role == role }?.identity }
    }

    /// Stops everything (once); returns the directory when it was kept.
    func stopEverything(progress: @escaping @Sendable (DemoProgress) -> Void) async -> String? {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
        let current = record.withLock { $0 }
        let clock = ContinuousClock()
        var start = clock.now
        if !current.children.isEmpty {
            progress(.started("stop daemons and pgbouncer"))
            await DemoTeardown.stop(current.children, grace: .seconds(2))
            progress(.finished("stop daemons and pgbouncer", elapsed: clock.now - start, result: nil))
        }
        if !current.dataDirectories.isEmpty {
            start = clock.now
            progress(.started("stop servers"))
            await DemoTeardown.stopServers(current.dataDirectories, bindir: current.bindir)
            progress(
                .finished(
                    "stop servers", elapsed: clock.now - start,
                    result: "\(current.dataDirectories.count) stopped (pg_ctl -m immediate)"))
        }
        var kept: String?
        if current.keep {
            kept = current.directory
        } else {
            start = clock.now
            if DemoTeardown.removeDirectory(current.directory) {
                progress(.finished("remove \(current.directory)", elapsed: clock.now - start, result: nil))
            } else {
                progress(.note("\(current.directory) could not be removed"))
            }
        }
        store.remove(current)
        return kept
    }
}
