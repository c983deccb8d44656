import Foundation
import WardenEngine

/// The operating-system account the demo's servers run as: the invoking user, or `postgres` when
/// the demo is started as root (PostgreSQL refuses to run as root). A root demo prepares its
/// directory, then drops to this account for good before it starts anything.
struct DemoAccount: Sendable {
    let name: String
    let uid: uid_t
    let gid: gid_t
    let home: String

    /// The account the demo runs as when started by root.
    static let serverAccountName = "postgres"

    static func named(_ name: String) -> DemoAccount? {
        var entry = passwd()
        var buffer = [CChar](repeating: 0, count: 16_384)
        var result: UnsafeMutablePointer<passwd>?
        let status = buffer.withUnsafeMutableBufferPointer { raw -> Int32 in
            guard let base = raw.baseAddress else { return ENOMEM }
            return getpwnam_r(name, &entry, base, raw.count, &result)
        }
        guard status == 0, let found = result else { return nil }
        return DemoAccount(
            name: String(cString: found.pointee.pw_name), uid: found.pointee.pw_uid, gid: found.pointee.pw_gid,
            home: found.pointee.pw_dir.map { String(cString: $0) } ?? "/")
    }

    /// Whether this account may read `path` (`execute` asks for execute permission instead), judged
    /// from the permission bits of the file and of every directory above it.
    func canUse(_ path: String, execute: Bool = false) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, permits(info, read: !execute, execute: execute) else { return false }
        var directory = (path as NSString).deletingLastPathComponent
        while !directory.isEmpty {
            guard stat(directory, &info) == 0, permits(info, read: false, execute: true) else { return false }
            if directory == "/" { break }
            directory = (directory as NSString).deletingLastPathComponent
        }
        return true
    }

    private func permits(_ info: stat, read: Bool, execute: Bool) -> Bool {
        let shift: mode_t = info.st_uid == uid ? 6 : (info.st_gid == gid ? 3 : 0)
        let bits = (info.st_mode >> shift) & 0o7
        return (!read || bits & 0o4 != 0) && (!execute || bits & 0o1 != 0)
    }

    /// Gives `path` to this account.
    func own(_ path: String, mode: mode_t) throws(WardenError) {
        guard chown(path, uid, gid) == 0, chmod(path, mode) == 0 else {
            throw WardenError(
                "cannot hand \"\(path)\" to user \(name): \(String(cString: strerror(errno)))", exitStatus: .badConfig)
        }
    }

    /// Switches this process to the account for good (groups, group, user), and checks that root
    /// cannot be regained.
    func become() throws(WardenError) {
        guard initgroups(name, gid) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
            throw WardenError(
                "cannot switch to user \(name): \(String(cString: strerror(errno)))", exitStatus: .badConfig)
        }
        guard setuid(0) != 0, geteuid() == uid, getuid() == uid else {
            throw WardenError("root privileges could not be dropped", exitStatus: .badConfig)
        }
        setenv("HOME", home, 1)
        setenv("USER", name, 1)
        setenv("LOGNAME", name, 1)
    }
}
