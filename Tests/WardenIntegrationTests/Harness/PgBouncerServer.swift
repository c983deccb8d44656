import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real pgbouncer (`/usr/sbin/pgbouncer`, Debian's package) on 127.0.0.1, run in the foreground as the server
/// user (pgbouncer refuses to run as root), with its own ini file in the test sandbox.
///
/// Layout: `<sandbox>/<name>/pgbouncer.ini` (mode 0640, owned by the server user, so pgwarden running as that
/// user may rewrite it), `userlist.txt` (the auth file: `trust` still wants the user listed), the Unix socket,
/// and `pgbouncer.log` (its stdout and stderr). `auth_type=trust`, `admin_users=repmgr`,
/// `server_login_retry=1` (the default of 15 s would make pgbouncer refuse clients for 15 s after it once
/// failed to reach a dead primary). The process is a ``BackgroundProcess``, so it is registered with
/// ``ServerRegistry`` and killed by PID at exit even when a test fails; ``stop()`` and `deinit` stop it earlier.
final class PgBouncerServer: @unchecked Sendable {
    /// The pgbouncer binary of the Debian package.
    static let binary = "/usr/sbin/pgbouncer"
    /// The user clients and the admin console connect as.
    static let user = PostgresServer.superuser

    let name: String
    let sandbox: TestSandbox
    let directory: String
    let iniPath: String
    let logFile: String
    let port: Int

    private let lock = NSLock()
    private var process: BackgroundProcess?

    /// Writes the ini for `databases` (pool name → server and database name) and reserves a port (or uses `port`).
    init(
        sandbox: TestSandbox, name: String = "pgbouncer", port: Int? = nil,
        databases: [(name: String, server: PostgresServer, dbname: String)],
        poolMode: String = "transaction"
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw HarnessError("\(Self.binary) is missing; install the Debian package pgbouncer (.ci/run does)")
        }
        self.name = name
        self.sandbox = sandbox
        self.directory = try sandbox.makeDirectory(name)
        self.iniPath = directory + "/pgbouncer.ini"
        self.logFile = directory + "/pgbouncer.log"
        self.port = try port ?? PortAllocator.allocate()
        let entries = databases.map { database in
            "\(database.name) = host=\(PostgresServer.host) port=\(database.server.port) dbname=\(database.dbname) pool_size=5"
        }
        let ini = """
            ; pgbouncer for a pgwarden integration test
            [databases]
            ; the pooled databases; pgwarden rewrites host and port of these lines
            \(entries.joined(separator: "\n"))

            [pgbouncer]
            listen_addr = \(PostgresServer.host)
            listen_port = \(self.port)
            unix_socket_dir = \(directory)
            auth_type = trust
            auth_file = \(directory)/userlist.txt
            admin_users = \(Self.user)
            pool_mode = \(poolMode)
            max_client_conn = 200
            default_pool_size = 10
            server_login_retry = 1
            server_connect_timeout = 2
            query_wait_timeout = 60

            """
        try sandbox.writeFile("\(name)/userlist.txt", contents: "\"\(Self.user)\" \"\"\n", mode: 0o600)
        try sandbox.writeFile("\(name)/pgbouncer.ini", contents: ini, mode: 0o640)
    }

    deinit { stop() }

    /// `host=127.0.0.1 port=P user=repmgr dbname=<database> connect_timeout=2`: a client of the pool `database`.
    func conninfo(database: String) -> String {
        "host=\(PostgresServer.host) port=\(port) user=\(Self.user) dbname=\(database) connect_timeout=2"
    }

    /// The admin console's conninfo, as `pgbouncer_admin_conninfo` names it.
    var adminConninfo: String { conninfo(database: "pgbouncer") }

    var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    /// Starts pgbouncer and waits until it accepts connections; throws with its log when it does not.
    func start(timeout: Duration = .seconds(15)) throws {
        if isRunning { throw HarnessError("\(name) already runs") }
        let started = try BackgroundProcess(
            [Self.binary, iniPath], asUser: sandbox.serverUser.name, workingDirectory: directory,
            outputPath: logFile)
        lock.withLock { process = started }
        do {
            try Polling.until("\(name) to listen on port \(port)", timeout: timeout) {
                guard started.isRunning else { throw HarnessError("\(name) exited:\n\(self.logTail())") }
                return PortAllocator.isAcceptingConnections(port: port)
            }
        } catch {
            stop()
            throw HarnessError("\(error)\n--- \(logFile) ---\n\(logTail())")
        }
    }

    /// Stops pgbouncer (SIGTERM to its PID, SIGKILL to its process group if it lingers) and waits until the port is free.
    func stop() {
        let running = lock.withLock {
            let current = process
            process = nil
            return current
        }
        guard let running else { return }
        running.terminate(timeout: .seconds(5))
        try? Polling.until("\(name) to release port \(port)", timeout: .seconds(10)) {
            !PortAllocator.isAcceptingConnections(port: port)
        }
    }

    /// Runs an admin console command with psql (simple protocol) and returns its rows, `|`-separated.
    func admin(_ command: String) throws -> [String] {
        let result = try ProcessRunner.run(
            [
                try PostgresBinaries.path("psql"), "-X", "-q", "-At", "-h", PostgresServer.host, "-p", String(port),
                "-U", Self.user, "-d", "pgbouncer", "-c", command,
            ], asUser: sandbox.serverUser.name, timeout: .seconds(20))
        guard result.succeeded else { throw HarnessError("\(name): \(command): \(result)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// Where pgbouncer sends the pool `database` now (`SHOW DATABASES`): "host:port", and whether it is paused.
    func target(of database: String) throws -> (address: String, paused: Bool)? {
        for line in try admin("SHOW DATABASES") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            // name|host|port|database|force_user|pool_size|min_pool_size|reserve_pool|pool_mode|max_connections|current_connections|paused|disabled
            if fields.count >= 12, fields[0] == database {
                return ("\(fields[1]):\(fields[2])", fields[11] == "1")
            }
        }
        return nil
    }

    /// The ini file's current text.
    func ini() -> String {
        (try? String(contentsOfFile: iniPath, encoding: .utf8)) ?? ""
    }

    /// The last `lines` lines of pgbouncer's log.
    func logTail(lines: Int = 30) -> String {
        guard let data = FileManager.default.contents(atPath: logFile) else { return "(no log at \(logFile))" }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .suffix(lines).joined(separator: "\n")
    }
}
