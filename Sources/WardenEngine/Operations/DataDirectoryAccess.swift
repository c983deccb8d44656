import Foundation

/// Checks that this process may create or change a data directory: PostgreSQL refuses to
/// run as root and needs its data directory owned by the user that runs it, so pgwarden
/// refuses to touch one as root or as another user instead of leaving files the server
/// cannot use.
public enum DataDirectoryAccess {
    public static func requireOwner(of dataDirectory: String) throws(WardenError) {
        let effectiveUser = geteuid()
        if effectiveUser == 0 {
            throw WardenError(
                "this command must not be run as root: PostgreSQL data directories belong to an unprivileged user",
                hint: "run it as the user that owns the data directory, for example: sudo -u postgres pgwarden ...",
                exitStatus: .badConfig)
        }
        let manager = FileManager.default
        var path = dataDirectory
        while !manager.fileExists(atPath: path) {
            let parent = (path as NSString).deletingLastPathComponent
            if parent == path || parent.isEmpty { break }
            path = parent
        }
        guard let attributes = try? manager.attributesOfItem(atPath: path),
            let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
        else { return }
        if path == dataDirectory && owner != effectiveUser {
            let ownerName = (attributes[.ownerAccountName] as? String) ?? "uid \(owner)"
            throw WardenError(
                "data directory \"\(dataDirectory)\" is owned by \(ownerName), not by the user running pgwarden",
                hint: "run the command as \(ownerName)", exitStatus: .badConfig)
        }
        if path != dataDirectory && !manager.isWritableFile(atPath: path) {
            throw WardenError(
                "cannot create data directory \"\(dataDirectory)\": \"\(path)\" is not writable by this user",
                hint: "create the directory for the PostgreSQL user, or run as the owner of \"\(path)\"",
                exitStatus: .badConfig)
        }
    }

    /// The postmaster PID recorded in `postmaster.pid` if that process is alive.
    public static func runningPostmaster(in dataDirectory: String) -> Int32? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let firstLine = text.split(separator: "\n").first,
            let pid = Int32(firstLine.trimmingCharacters(in: .whitespaces)),
            pid > 0
        else { return nil }
        return kill(pid, 0) == 0 || errno == EPERM ? pid : nil
    }
}
