import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A node's private directory for what its daemon keeps on the host: the mailbox other daemons
/// deliver into, the report its peers read, its vote, its PID file and its own status.
///
/// Only the OS user the daemon runs as (the PostgreSQL server's user: peers deliver through the
/// server, as that user) may use it: it is `pgwarden_state_dir`, or `DATADIR.pgwarden` beside the
/// data directory (`/var/lib/postgresql/15/main.pgwarden`); missing directories are created with
/// mode 0700, and at every daemon start the directory and its mailbox must be directories (not
/// links) owned by this user that no other user may enter, in a parent that no other user may
/// rename them in (not writable by others, or sticky like /tmp). Otherwise the daemon refuses to
/// run: a directory another user made could hold forged messages, or links to files to overwrite.
public struct StateDirectory: Sendable, Equatable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The state directory `configuration` names (not checked).
    public init(configuration: NodeConfiguration) {
        self.init(path: Self.location(for: configuration))
    }

    /// `pgwarden_state_dir`, or `DATADIR.pgwarden` beside the data directory.
    public static func location(for configuration: NodeConfiguration) -> String {
        if !configuration.pgwardenStateDir.isEmpty { return configuration.pgwardenStateDir }
        var data = configuration.dataDirectory
        while data.count > 1, data.hasSuffix("/") { data.removeLast() }
        return data + ".pgwarden"
    }

    /// Where other daemons deliver messages.
    public var mailbox: String { path + "/mailbox" }
    /// The daemon's published report (see ``PeerReport``), read by peers with `pg_read_file`.
    public var reportPath: String { path + "/report.json" }
    /// The vote this node gave last.
    public var votePath: String { path + "/vote.json" }
    /// The default PID file (`repmgrd_pid_file` overrides it).
    public var pidFile: String { path + "/pgwarden-daemon.pid" }
    /// The daemon's own status, written every monitoring interval (see ``LocalDaemonStatus``).
    public var statusPath: String { path + "/status.json" }

    /// Creates what is missing (mode 0700) and checks every part; throws the one problem that
    /// keeps the daemon from using it.
    public func prepare() throws(WardenError) {
        try create(path)
        try check(path)
        try create(mailbox)
        try check(mailbox)
    }

    /// Checks the directory without creating anything (`daemon start` and `daemon stop`);
    /// false when it does not exist yet.
    public func checkIfPresent() throws(WardenError) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0 else { return false }
        try check(path)
        if lstat(mailbox, &status) == 0 { try check(mailbox) }
        return true
    }

    /// Creates `directory` and its missing parents, each with mode 0700.
    private func create(_ directory: String) throws(WardenError) {
        var status = stat()
        guard lstat(directory, &status) != 0 else { return }
        let parent = (directory as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != directory, stat(parent, &status) != 0 {
            try create(parent)
            try check(parent)
        }
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw refusal(
                "unable to create the state directory \"\(directory)\": \(String(cString: strerror(errno)))",
                hint: "create it as \(UserName.describe(geteuid())) with mode 0700, or set pgwarden_state_dir")
        }
    }

    /// The checks of one directory this daemon uses (and of the parent it lies in).
    private func check(_ directory: String) throws(WardenError) {
        let me = UserName.describe(geteuid())
        var status = stat()
        guard lstat(directory, &status) == 0 else {
            throw refusal(
                "the state directory \"\(directory)\" cannot be examined: \(String(cString: strerror(errno)))",
                hint: "check the path, or set pgwarden_state_dir")
        }
        let remove = "remove it (another user may have planted it) and start again: pgwarden creates it with mode 0700"
        if (status.st_mode & S_IFMT) == S_IFLNK {
            throw refusal("the state directory \"\(directory)\" is a symbolic link", hint: remove)
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw refusal("the state directory \"\(directory)\" is not a directory", hint: remove)
        }
        guard status.st_uid == geteuid() else {
            throw refusal(
                "the state directory \"\(directory)\" is owned by \(UserName.describe(status.st_uid)), not by \(me)",
                hint: remove)
        }
        let mode = status.st_mode & 0o7777
        guard mode & 0o077 == 0 else {
            throw refusal(
                "the state directory \"\(directory)\" has mode \(Self.octal(mode)): other users may use it",
                hint: "check what it holds, then run: chmod 700 \(ShellQuoting.quote(directory))")
        }
        let parent = (directory as NSString).deletingLastPathComponent
        guard !parent.isEmpty, stat(parent, &status) == 0 else { return }
        let parentMode = status.st_mode & 0o7777
        if parentMode & 0o022 != 0, parentMode & S_ISVTX == 0 {
            throw refusal(
                "the state directory \"\(directory)\" lies in \"\(parent)\" (mode \(Self.octal(parentMode))), "
                    + "where other users may rename or replace it",
                hint: "set pgwarden_state_dir to a directory whose parent only \(me) (or root) can write")
        }
        if status.st_uid != 0, status.st_uid != geteuid(), parentMode & S_ISVTX == 0 {
            throw refusal(
                "the state directory \"\(directory)\" lies in \"\(parent)\", which belongs to "
                    + "\(UserName.describe(status.st_uid)), who may rename or replace it",
                hint: "set pgwarden_state_dir to a directory whose parent only \(me) (or root) owns")
        }
    }

    private func refusal(_ message: String, hint: String) -> WardenError {
        WardenError("refusing to run: \(message)", hint: hint, exitStatus: .badConfig)
    }

    private static func octal(_ mode: mode_t) -> String {
        "0" + String(mode, radix: 8)
    }
}
