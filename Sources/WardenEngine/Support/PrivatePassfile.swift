import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Hands the password of a conninfo to a child process (pg_basebackup, pg_rewind) without putting it
/// on the child's command line, which every local user can read (`ps`, `/proc/PID/cmdline`).
///
/// The conninfo on the command line has no `password` (``split(_:)``); the password goes into a
/// passfile (`*:*:*:*:password`) in a new directory that only this OS user can enter (`mkdtemp`, 0700),
/// created with `O_CREAT | O_EXCL | O_NOFOLLOW` and mode 0600, named to the child by `PGPASSFILE` in
/// its environment (which only the same user can read), and removed when the child is done.
public enum PrivatePassfile {
    /// `conninfo` without its password (and without a `passfile` of its own, which would take
    /// precedence over `PGPASSFILE`), and the password when it had one. Throws on an `sslpassword`,
    /// which libpq only reads from the conninfo.
    public static func split(_ conninfo: Conninfo) throws(WardenError) -> (commandLine: Conninfo, password: String?) {
        if conninfo["sslpassword"] != nil {
            throw WardenError(
                "the connection string has an \"sslpassword\", which cannot be handed to a child process without its command line",
                hint: "use an SSL key without a passphrase for pgwarden's connections", exitStatus: .badConfig)
        }
        guard let password = conninfo["password"] else { return (conninfo, nil) }
        var commandLine = conninfo
        commandLine["password"] = nil
        commandLine["passfile"] = nil
        return (commandLine, password)
    }

    /// Runs `body` with the environment a child needs to find `password` (nil when there is none:
    /// the child inherits this process's environment), and removes the passfile afterwards.
    ///
    /// The environment is this process's without `PGPASSWORD` (libpq prefers it to a passfile), with
    /// `PGPASSFILE` naming the private file.
    public static func withPassword<T>(
        _ password: String?, _ body: ([String: String]?) async -> T
    ) async throws(WardenError) -> T {
        guard let password else { return await body(nil) }
        let (directory, file) = try create(password)
        defer {
            unlink(file)
            rmdir(directory)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = nil
        environment["PGPASSFILE"] = file
        return await body(environment)
    }

    /// One passfile line that matches every host, port, database and user with `password`; `\` and
    /// `:` are escaped as libpq reads them.
    static func line(for password: String) throws(WardenError) -> String {
        if password.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) {
            throw WardenError(
                "the password in the connection string contains a line break, which a passfile cannot hold",
                exitStatus: .badConfig)
        }
        let escaped = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:")
        return "*:*:*:*:\(escaped)\n"
    }

    /// Creates the private directory and the passfile in it; returns both paths.
    private static func create(_ password: String) throws(WardenError) -> (directory: String, file: String) {
        let content = try line(for: password)
        var template = Array((NSTemporaryDirectory() + "/pgwarden-secret-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        guard let directory = created else {
            throw WardenError(
                "unable to create a private directory for a passfile: \(String(cString: strerror(errno)))",
                hint: "check TMPDIR", exitStatus: .localCommand)
        }
        let file = directory + "/passfile"
        let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            rmdir(directory)
            throw WardenError("unable to create a passfile in \"\(directory)\": \(reason)", exitStatus: .localCommand)
        }
        let bytes = Array(content.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else {
            unlink(file)
            rmdir(directory)
            throw WardenError("unable to write a passfile in \"\(directory)\"", exitStatus: .localCommand)
        }
        return (directory, file)
    }
}
