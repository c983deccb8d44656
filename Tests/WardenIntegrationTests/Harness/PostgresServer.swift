import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One real PostgreSQL 15 instance on 127.0.0.1, run as the server user (`postgres` when the tests run as root).
///
/// Layout: `<sandbox>/<name>/data` (data directory; its Unix socket lives in `<sandbox>/<name>`, outside the data directory, because pg_rewind copies every file of the source data directory and fails on a socket) and
/// `<sandbox>/<name>/postgres.log` (server log, via `pg_ctl -l`). The bootstrap superuser is `repmgr`, a
/// database `repmgr` owned by it exists once ``startPrimary(in:name:settings:)`` returns, and authentication
/// is `trust` for local and 127.0.0.1 connections (including replication), so ``conninfo``
/// (`host=127.0.0.1 port=P user=repmgr dbname=repmgr connect_timeout=2`) just works.
///
/// Typical use:
/// ```swift
/// let sandbox = try TestSandbox()
/// defer { sandbox.cleanup() }
/// let primary = try PostgresServer.startPrimary(in: sandbox)          // initdb + start + CREATE DATABASE repmgr
/// let standby = try PostgresServer(sandbox: sandbox, name: "node2")   // port reserved, no data directory yet
/// // ... clone into standby.dataDirectory (pg_basebackup, `pgwarden standby clone`) ...
/// try standby.applyHarnessSettings()                                   // its own port and socket directory
/// try standby.start()
/// ```
/// The settings live in a marked block at the end of `postgresql.conf`; ``applyHarnessSettings(_:)`` replaces
/// that block, which is how a clone (whose `postgresql.conf` is the primary's copy) gets its own port.
///
/// The postmaster PID is always read from `postmaster.pid` (and checked against the process's working
/// directory), so the methods also work on a server that pgwarden restarted itself. `deinit` stops the
/// server (immediate mode) if it still runs; ``TestSandbox/cleanup()`` and ``ServerRegistry`` are the
/// safety nets behind that.
final class PostgresServer: @unchecked Sendable {
    /// `pg_ctl stop -m` modes.
    enum StopMode: String, Sendable {
        case smart, fast, immediate
    }

    /// The bootstrap superuser created by `initdb -U`.
    static let superuser = "repmgr"
    /// The database created after the first start.
    static let database = "repmgr"
    /// The only address servers listen on.
    static let host = "127.0.0.1"

    /// Settings written for every server, in order (values are quoted when written).
    static let baseSettings: [(String, String)] = [
        ("listen_addresses", "127.0.0.1"),
        ("wal_level", "replica"),
        ("max_wal_senders", "10"),
        ("max_replication_slots", "10"),
        ("hot_standby", "on"),
        ("wal_log_hints", "on"),
        ("wal_keep_size", "128MB"),
        ("shared_buffers", "16MB"),
        ("fsync", "off"),
        ("full_page_writes", "on"),
        ("logging_collector", "off"),
        // Spread checkpoints (pg_basebackup's and so a clone's default) otherwise pace themselves over
        // 0.9 × checkpoint_timeout on an idle server: about 90 s per clone. 0 makes them run at full speed.
        ("checkpoint_completion_target", "0"),
    ]

    private static let blockStart =
        "# >>> pgwarden test harness (managed block, rewritten by the harness) >>>"
    private static let blockEnd = "# <<< pgwarden test harness <<<"

    let name: String
    let sandbox: TestSandbox
    /// `<sandbox>/<name>`.
    let nodeDirectory: String
    let dataDirectory: String
    let logFile: String
    let bindir: String
    let serverUser: SystemUser

    private let lock = NSLock()
    private var currentPort: Int
    private var extraSettings: [String: String] = [:]
    private var currentPlacement: NetworkPlacement?

    /// A server that runs inside a network namespace of its own (see ``NetworkNamespace``) instead of on the
    /// machine's loopback: it listens on `address` only, accepts `clientNetwork` in `pg_hba.conf`, and
    /// `pg_ctl` and `psql` run with `commandPrefix` (`ip netns exec NS`) in front of `runuser`.
    struct NetworkPlacement: Sendable {
        let commandPrefix: [String]
        let address: String
        /// CIDR trusted in `pg_hba.conf`, for example `10.213.0.0/24`.
        let clientNetwork: String
    }

    /// Set before ``initdb(settings:)`` / ``applyHarnessSettings(_:)`` and ``start(timeout:)``; nil (the
    /// default) is the machine's own loopback.
    var placement: NetworkPlacement? {
        get { lock.withLock { currentPlacement } }
        set { lock.withLock { currentPlacement = newValue } }
    }

    /// The address clients connect to: ``host``, or the placement's address.
    var address: String { placement?.address ?? Self.host }

    private var commandPrefix: [String] { placement?.commandPrefix ?? [] }

    /// Describes node `name` in `sandbox`: creates `<sandbox>/<name>`, reserves a port (or uses `port`).
    /// Nothing else happens: call ``initdb(settings:)`` for a new cluster, or fill ``dataDirectory`` some
    /// other way (pg_basebackup, `pgwarden standby clone`) and then call ``applyHarnessSettings(_:)``.
    convenience init(sandbox: TestSandbox, name: String, port: Int? = nil) throws {
        try self.init(sandbox: sandbox, name: name, dataDirectory: nil, port: port)
    }

    /// Describes a server whose data directory was created by someone else (a standby cloned by
    /// pg_basebackup or pgwarden, a directory copied from another node). With `applySettings`, the harness
    /// block of its `postgresql.conf` and its `pg_hba.conf` are rewritten for this node's port.
    convenience init(
        adoptingDataDirectory dataDirectory: String, sandbox: TestSandbox, name: String,
        port: Int? = nil,
        applySettings: Bool = true
    ) throws {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") else {
            throw HarnessError("\(dataDirectory) is not a PostgreSQL data directory (no PG_VERSION)")
        }
        try self.init(sandbox: sandbox, name: name, dataDirectory: dataDirectory, port: port)
        if applySettings { try applyHarnessSettings() }
    }

    private init(sandbox: TestSandbox, name: String, dataDirectory: String?, port: Int?) throws {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw HarnessError("invalid node name \"\(name)\"")
        }
        self.name = name
        self.sandbox = sandbox
        self.serverUser = sandbox.serverUser
        self.bindir = try PostgresBinaries.bindir()
        self.nodeDirectory = try sandbox.makeDirectory(name)
        self.dataDirectory = dataDirectory ?? nodeDirectory + "/data"
        self.logFile = nodeDirectory + "/postgres.log"
        self.currentPort = try port ?? PortAllocator.allocate()
        ServerRegistry.shared.registerServer(dataDirectory: self.dataDirectory)
    }

    deinit {
        if isRunning { ServerRegistry.stopServer(dataDirectory: dataDirectory) }
    }

    /// `initdb` + ``start()`` + `CREATE DATABASE repmgr OWNER repmgr`. If the port was taken in the
    /// meantime, retries with another one (nothing has seen the port yet).
    static func startPrimary(
        in sandbox: TestSandbox, name: String = "node1", settings: [String: String] = [:]
    ) throws -> PostgresServer {
        let server = try PostgresServer(sandbox: sandbox, name: name)
        try server.initdb(settings: settings)
        var attempt = 1
        while true {
            do {
                try server.start()
                break
            } catch {
                guard attempt < 5, server.logTail(lines: 20).contains("already in use") else { throw error }
                attempt += 1
                try server.lock.withLock { server.currentPort = try PortAllocator.allocate() }
                try server.applyHarnessSettings()
            }
        }
        try server.createDatabase(database)
        return server
    }

    // MARK: - Properties

    /// The TCP port on 127.0.0.1.
    var port: Int { lock.withLock { currentPort } }

    /// `host=127.0.0.1 port=P user=repmgr dbname=repmgr connect_timeout=2`.
    var conninfo: String { conninfo() }

    func conninfo(database: String = PostgresServer.database, user: String = PostgresServer.superuser)
        -> String
    {
        "host=\(address) port=\(port) user=\(user) dbname=\(database) connect_timeout=2"
    }

    /// The live postmaster's PID, or nil when no server runs on ``dataDirectory``.
    var postmasterPID: pid_t? { ServerRegistry.runningPostmaster(dataDirectory: dataDirectory) }

    /// True while a postmaster runs on ``dataDirectory`` (also when paused).
    var isRunning: Bool { postmasterPID != nil }

    /// The last `lines` lines of the server log.
    func logTail(lines: Int = 40) -> String {
        guard let data = FileManager.default.contents(atPath: logFile) else {
            return "(no log at \(logFile))"
        }
        return String(decoding: data, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false
        )
        .suffix(lines).joined(separator: "\n")
    }

    // MARK: - Creating and configuring

    /// Runs `initdb` (`--auth=trust -U repmgr -E UTF8 --locale=C.UTF-8`) and writes the harness settings
    /// plus `settings` (which override them).
    func initdb(settings: [String: String] = [:]) throws {
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: dataDirectory),
            !contents.isEmpty
        {
            throw HarnessError("cannot initdb: \(dataDirectory) is not empty")
        }
        try ProcessRunner.run(
            [
                bindir + "/initdb", "-D", dataDirectory, "--auth=trust", "-U", Self.superuser, "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync",
            ],
            asUser: serverUser.name, timeout: .seconds(180)
        ).check()
        try applyHarnessSettings(settings)
    }

    /// (Re)writes the harness block at the end of `postgresql.conf` (port, listen address, socket directory
    /// = data directory, replication settings, then `settings` — which are remembered for later calls) and
    /// replaces `pg_hba.conf` with trust rules for local and 127.0.0.1 connections and replication.
    func applyHarnessSettings(_ settings: [String: String]? = nil) throws {
        let (port, extra) = lock.withLock {
            if let settings { extraSettings.merge(settings) { _, new in new } }
            return (currentPort, extraSettings)
        }
        var entries = Self.baseSettings
        let placement = self.placement
        if let placement, let index = entries.firstIndex(where: { $0.0 == "listen_addresses" }) {
            entries[index].1 = placement.address
        }
        entries.insert(("port", String(port)), at: 1)
        entries.insert(("unix_socket_directories", nodeDirectory), at: 2)
        for key in extra.keys.sorted() {
            if let index = entries.firstIndex(where: { $0.0 == key }) {
                entries[index].1 = extra[key] ?? ""
            } else {
                entries.append((key, extra[key] ?? ""))
            }
        }
        let block =
            ([Self.blockStart]
            + entries.map { "\($0.0) = '\($0.1.replacingOccurrences(of: "'", with: "''"))'" }
            + [Self.blockEnd]).joined(separator: "\n") + "\n"

        let confPath = dataDirectory + "/postgresql.conf"
        let existing = (try? String(contentsOfFile: confPath, encoding: .utf8)) ?? ""
        try writeServerFile(confPath, contents: Self.removingHarnessBlock(from: existing) + block)

        var hba = """
            # pgwarden test harness: trust everything on the loopback
            local   all          all                  trust
            local   replication  all                  trust
            host    all          all   127.0.0.1/32   trust
            host    replication  all   127.0.0.1/32   trust

            """
        if let placement {
            hba += """
                # and on the test's private namespace network
                host    all          all   \(placement.clientNetwork)   trust
                host    replication  all   \(placement.clientNetwork)   trust

                """
        }
        try writeServerFile(dataDirectory + "/pg_hba.conf", contents: hba)
    }

    /// Creates `name` owned by the superuser (connecting to the `postgres` database).
    func createDatabase(_ name: String) throws {
        let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        _ = try psql("CREATE DATABASE \(quoted) OWNER \(Self.superuser)", database: "postgres")
    }

    // MARK: - Lifecycle

    /// `pg_ctl -w start` as the server user; throws with the log tail if the server does not come up.
    func start(timeout: Duration = .seconds(60)) throws {
        if isRunning { throw HarnessError("\(name): a server already runs on \(dataDirectory)") }
        try removeStaleLockFile()
        let result = try pgCtl(
            [
                "-D", dataDirectory, "-l", logFile, "-w", "-t", String(Self.wholeSeconds(timeout)), "start",
            ],
            timeout: timeout + .seconds(15))
        guard result.succeeded, isRunning else {
            throw HarnessError(
                "\(name): pg_ctl start failed on port \(port)\n\(result)\n--- \(logFile) ---\n\(logTail())")
        }
    }

    /// `pg_ctl -m <mode> -w stop` (after SIGCONT, in case it is paused); waits until the postmaster has exited.
    /// Does nothing when the server is not running.
    func stop(mode: StopMode = .fast, timeout: Duration = .seconds(60)) throws {
        guard let pid = postmasterPID else { return }
        kill(pid, SIGCONT)
        let result = try pgCtl(
            [
                "-D", dataDirectory, "-m", mode.rawValue, "-w", "-t", String(Self.wholeSeconds(timeout)),
                "stop",
            ],
            timeout: timeout + .seconds(15))
        if !result.succeeded, ProcessTable.isAlive(pid) {
            throw HarnessError("\(name): pg_ctl stop failed\n\(result)\n--- \(logFile) ---\n\(logTail())")
        }
        try Polling.until("\(name): postmaster \(pid) to exit", timeout: .seconds(15)) {
            !ProcessTable.isAlive(pid)
        }
    }

    /// Crashes the node: SIGKILL to the postmaster, then SIGKILL to every process it had forked (a real
    /// machine crash takes those too, and a restart needs them gone). Returns once none of them is left and
    /// the port refuses connections. Throws when the server is not running.
    func kill9() throws {
        guard let pid = postmasterPID else {
            throw HarnessError("\(name): kill9() but the server is not running")
        }
        let children = ProcessTable.children(of: pid)
        kill(pid, SIGKILL)
        try Polling.until("\(name): postmaster \(pid) to die after SIGKILL", timeout: .seconds(15)) {
            !ProcessTable.isAlive(pid)
        }
        for child in children where ProcessTable.isAlive(child) {
            kill(child, SIGKILL)
        }
        try Polling.until("\(name): the postmaster's children to die", timeout: .seconds(15)) {
            !children.contains { ProcessTable.isAlive($0) }
        }
        let port = self.port
        try Polling.until("\(name): port \(port) to refuse connections", timeout: .seconds(15)) {
            !PortAllocator.isAcceptingConnections(port: port)
        }
        // The dead postmaster is an orphan that PID 1 reaps, sometimes seconds later; until then PostgreSQL
        // (and so `pg_ctl start`, also when pgwarden runs it) takes the stale postmaster.pid for a live server.
        try? Polling.until("\(name): postmaster \(pid) to be reaped", timeout: .seconds(20)) {
            !ProcessTable.exists(pid)
        }
    }

    /// SIGSTOP to the postmaster only: established sessions keep working, new connections hang (the kernel
    /// still completes the TCP handshake), like an unresponsive host. Returns once the process is stopped.
    func pause() throws {
        guard let pid = postmasterPID else {
            throw HarnessError("\(name): pause() but the server is not running")
        }
        kill(pid, SIGSTOP)
        try Polling.until("\(name): postmaster \(pid) to stop", timeout: .seconds(10)) {
            ProcessTable.state(of: pid) == "T"
        }
    }

    /// SIGCONT to the postmaster; returns once it runs again.
    func resume() throws {
        guard let pid = postmasterPID else {
            throw HarnessError("\(name): resume() but the server is not running")
        }
        kill(pid, SIGCONT)
        try Polling.until("\(name): postmaster \(pid) to continue", timeout: .seconds(10)) {
            ProcessTable.state(of: pid) != "T"
        }
    }

    // MARK: - Commands

    /// Runs `sql` with `psql -X -At -v ON_ERROR_STOP=1` over TCP as the server user and returns stdout
    /// without the trailing newline; throws when psql fails. For test setup and assertions only.
    func psql(
        _ sql: String, database: String = PostgresServer.database,
        user: String = PostgresServer.superuser,
        timeout: Duration = .seconds(60)
    ) throws -> String {
        let result = try runPsql(sql, database: database, user: user, timeout: timeout)
        guard result.succeeded else { throw HarnessError("\(name) (port \(port)): \(result)") }
        var output = result.stdout
        while output.hasSuffix("\n") { output.removeLast() }
        return output
    }

    /// Like ``psql(_:database:user:timeout:)`` but returns the raw result instead of throwing when psql fails
    /// (for tests that expect a failure). `connectTimeout` sets `PGCONNECT_TIMEOUT`.
    func runPsql(
        _ sql: String, database: String = PostgresServer.database,
        user: String = PostgresServer.superuser,
        connectTimeout: Int? = nil, environment: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) throws -> CommandResult {
        var environment = environment
        if let connectTimeout { environment["PGCONNECT_TIMEOUT"] = String(connectTimeout) }
        return try ProcessRunner.run(
            [
                bindir + "/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", address, "-p",
                String(port),
                "-U", user, "-d", database, "-c", sql,
            ],
            asUser: serverUser.name, environment: environment, timeout: timeout, wrapper: commandPrefix)
    }

    /// Runs `pg_ctl` with `arguments` as the server user.
    func pgCtl(_ arguments: [String], timeout: Duration = .seconds(90)) throws -> CommandResult {
        try ProcessRunner.run(
            [bindir + "/pg_ctl"] + arguments, asUser: serverUser.name, timeout: timeout, wrapper: commandPrefix)
    }

    // MARK: - Helpers

    /// After a crash, `postmaster.pid` names a dead postmaster. PostgreSQL ignores such a file unless the PID
    /// is still a zombie (not yet reaped by PID 1): then wait a little for the reaping, and finally remove
    /// the file, since a zombie is certainly not a running server.
    private func removeStaleLockFile() throws {
        let lockFile = dataDirectory + "/postmaster.pid"
        guard let text = try? String(contentsOfFile: lockFile, encoding: .utf8),
            let firstLine = text.split(separator: "\n").first,
            let pid = pid_t(firstLine.trimmingCharacters(in: .whitespaces)),
            ProcessTable.exists(pid), !ProcessTable.isAlive(pid)
        else { return }
        try? Polling.until("\(name): zombie postmaster \(pid) to be reaped", timeout: .seconds(10)) {
            !ProcessTable.exists(pid)
        }
        if ProcessTable.exists(pid), !ProcessTable.isAlive(pid) {
            unlink(lockFile)
        }
    }

    private func writeServerFile(_ path: String, contents: String) throws {
        let existed = FileManager.default.fileExists(atPath: path)
        do {
            // Not atomically: that would replace the file with one owned by root.
            try contents.write(toFile: path, atomically: false, encoding: .utf8)
        } catch {
            throw HarnessError("cannot write \(path): \(error)")
        }
        if geteuid() == 0 { chown(path, serverUser.uid, serverUser.gid) }
        if !existed { chmod(path, 0o600) }
    }

    private static func removingHarnessBlock(from text: String) -> String {
        guard let start = text.range(of: blockStart) else {
            return text.isEmpty || text.hasSuffix("\n") ? text : text + "\n"
        }
        var kept = String(text[..<start.lowerBound])
        if let end = text.range(of: blockEnd, range: start.upperBound..<text.endIndex) {
            var rest = text[end.upperBound...]
            if rest.hasPrefix("\n") { rest = rest.dropFirst() }
            kept += rest
        }
        if !kept.isEmpty, !kept.hasSuffix("\n") { kept += "\n" }
        return kept
    }

    private static func wholeSeconds(_ duration: Duration) -> Int64 {
        max(1, duration.components.seconds)
    }
}
