import Foundation
import WardenEngine

/// The state files of demo runs: `$TMPDIR/pgwarden-demo/<uid>-<pid>.json`, one per run, written
/// whenever the run starts something and removed when it has stopped everything. A file whose
/// demo process is gone belongs to a run that crashed: the next run cleans up after it. The
/// directory is shared like /tmp (sticky, world-writable); only files owned by this user are read.
struct DemoStateStore: Sendable {
    let directory: String

    init(environment: [String: String]) {
        let temporary = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        directory = temporary + "/pgwarden-demo"
    }

    func prepare() throws(WardenError) {
        var info = stat()
        if lstat(directory, &info) != 0 {
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
                throw WardenError(
                    "cannot create the demo state directory \"\(directory)\": \(String(cString: strerror(errno)))",
                    exitStatus: .badConfig)
            }
            chmod(directory, 0o1777)
        }
        guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR,
            info.st_uid == getuid() || (info.st_mode & 0o1002) == 0o1002
        else {
            throw WardenError(
                "\"\(directory)\" is not a directory this user can keep demo state in",
                hint: "remove it, or set TMPDIR to another directory", exitStatus: .badConfig)
        }
    }

    func path(for owner: ProcessIdentity) -> String { "\(directory)/\(getuid())-\(owner.pid).json" }

    func save(_ record: DemoRunRecord) {
        guard let data = try? JSONEncoder().encode(record) else { return }
        let target = path(for: record.owner)
        let temporary = target + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else { return }
        rename(temporary, target)
    }

    func remove(_ record: DemoRunRecord) {
        unlink(path(for: record.owner))
    }

    /// Records of this user's earlier runs whose demo process is no longer running.
    func leftovers() -> [DemoRunRecord] {
        let prefix = "\(getuid())-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var records: [DemoRunRecord] = []
        for name in names.sorted() where name.hasPrefix(prefix) && name.hasSuffix(".json") {
            let file = directory + "/" + name
            var info = stat()
            guard lstat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == getuid(),
                let data = FileManager.default.contents(atPath: file),
                let record = try? JSONDecoder().decode(DemoRunRecord.self, from: data)
            else { continue }
            if record.owner.isStillThere && ProcessIdentity.state(of: record.owner.pid) != "Z" { continue }
            records.append(record)
        }
        return records
    }

    /// Stops what a crashed run left running and removes its directory (unless it was kept).
    func cleanUp(_ record: DemoRunRecord) async {
        await DemoTeardown.stop(record.children, grace: .seconds(3))
        await DemoTeardown.stopServers(record.dataDirectories, bindir: record.bindir)
        if !record.keep { DemoTeardown.removeDirectory(record.directory) }
        remove(record)
    }
}
