import Foundation
import WardenEngine

/// Stops what a demo run started and removes its directory: used when a run ends, when its
/// setup fails, and for the leftovers of a run that crashed. Only processes whose identity
/// (PID, start time, command line) still matches the record are signalled, and only servers
/// whose postmaster runs on a recorded data directory; a directory is removed only when it
/// carries the demo's marker file.
enum DemoTeardown {
    /// The file that marks a directory as a demo sandbox.
    static let markerName = ".pgwarden-demo"

    /// SIGTERM to every child that is still the recorded process, SIGKILL to those still there after `grace`.
    static func stop(_ children: [DemoRunRecord.Child], grace: Duration) async {
        let alive = children.map(\.identity).filter(\.isStillThere)
        for identity in alive {
            kill(identity.pid, SIGCONT)
            kill(identity.pid, SIGTERM)
        }
        let deadline = ContinuousClock.now + grace
        var remaining = alive
        while !remaining.isEmpty && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
            remaining = remaining.filter { !ChildLauncher.reap($0.pid) && isRunning($0) }
        }
        for identity in remaining where identity.isStillThere {
            kill(identity.pid, SIGKILL)
        }
        for identity in remaining { waitGone(identity) }
    }

    /// Stops the server running on each data directory: SIGCONT (it may be hung on purpose), then
    /// `pg_ctl stop -m immediate`, then SIGKILL to the postmaster if it is still there.
    static func stopServers(_ dataDirectories: [String], bindir: String) async {
        await withTaskGroup(of: Void.self) { group in
            for dataDirectory in dataDirectories {
                group.addTask { await stopServer(dataDirectory, bindir: bindir) }
            }
        }
    }

    static func stopServer(_ dataDirectory: String, bindir: String) async {
        guard let postmaster = postmaster(of: dataDirectory) else { return }
        kill(postmaster.pid, SIGCONT)
        _ = await ChildProcess.run(
            [bindir + "/pg_ctl", "-D", dataDirectory, "-m", "immediate", "-w", "-t", "10", "stop"],
            timeout: .seconds(15))
        if postmaster.isStillThere && ProcessIdentity.state(of: postmaster.pid) != "Z" {
            kill(postmaster.pid, SIGKILL)
        }
    }

    /// The live postmaster of `dataDirectory`: the PID in `postmaster.pid`, if that process is a
    /// server started on this data directory.
    static func postmaster(of dataDirectory: String) -> ProcessIdentity? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first,
            let pid = Int32(first.trimmingCharacters(in: .whitespaces)),
            let identity = ProcessIdentity.of(pid),
            identity.commandLine.contains(dataDirectory),
            ProcessIdentity.state(of: pid) != "Z"
        else { return nil }
        return identity
    }

    /// Removes `directory` when it carries the demo marker; false when it was left in place.
    @discardableResult
    static func removeDirectory(_ directory: String) -> Bool {
        guard FileManager.default.fileExists(atPath: directory + "/" + markerName) else { return false }
        return (try? FileManager.default.removeItem(atPath: directory)) != nil
    }

    private static func isRunning(_ identity: ProcessIdentity) -> Bool {
        identity.isStillThere && ProcessIdentity.state(of: identity.pid) != "Z"
    }

    private static func waitGone(_ identity: ProcessIdentity) {
        for _ in 0..<40 {
            if ChildLauncher.reap(identity.pid) || !isRunning(identity) { return }
            usleep(25_000)
        }
    }
}
