#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An operating-system account, looked up in the password database.
///
/// PostgreSQL refuses to run as root, so when the tests run as root (CI) every server, and every command
/// that must act as the server's owner, runs as ``serverUser()`` = `postgres` through `runuser`. When the
/// tests run as an ordinary user, the servers simply run as that user.
struct SystemUser: Sendable, Equatable {
    let name: String
    let uid: uid_t
    let gid: gid_t
    let home: String

    /// The account the harness runs PostgreSQL (and anything the servers must reach) as.
    static func serverUser() throws -> SystemUser {
        if geteuid() == 0 {
            do {
                return try lookup("postgres")
            } catch {
                throw HarnessError(
                    "the tests run as root, and PostgreSQL refuses to run as root, but there is no `postgres` user; "
                        + "create it with: useradd --system --home /var/lib/postgresql --shell /bin/bash postgres"
                )
            }
        }
        return try current()
    }

    /// The account of the effective user id of this process.
    static func current() throws -> SystemUser {
        try lookup(uid: geteuid())
    }

    /// True when `name` is the effective user of this process (then no `runuser` is needed to act as it).
    static func isCurrent(_ name: String) -> Bool {
        guard let me = try? current() else { return false }
        return me.name == name
    }

    static func lookup(_ name: String) throws -> SystemUser {
        try withPasswdEntry(describe: "user \(name)") { entry, buffer, count, result in
            getpwnam_r(name, entry, buffer, count, result)
        }
    }

    static func lookup(uid: uid_t) throws -> SystemUser {
        try withPasswdEntry(describe: "uid \(uid)") { entry, buffer, count, result in
            getpwuid_r(uid, entry, buffer, count, result)
        }
    }

    private static func withPasswdEntry(
        describe: String,
        _ call: (
            UnsafeMutablePointer<passwd>, UnsafeMutablePointer<CChar>, Int,
            UnsafeMutablePointer<UnsafeMutablePointer<passwd>?>
        ) -> Int32
    ) throws -> SystemUser {
        var entry = passwd()
        var buffer = [CChar](repeating: 0, count: 16_384)
        var result: UnsafeMutablePointer<passwd>?
        let status = buffer.withUnsafeMutableBufferPointer { raw -> Int32 in
            guard let base = raw.baseAddress else { return ENOMEM }
            return call(&entry, base, raw.count, &result)
        }
        guard status == 0, let found = result else {
            throw HarnessError("no such account: \(describe)")
        }
        return SystemUser(
            name: String(cString: found.pointee.pw_name),
            uid: found.pointee.pw_uid,
            gid: found.pointee.pw_gid,
            home: found.pointee.pw_dir.map { String(cString: $0) } ?? "/"
        )
    }
}
