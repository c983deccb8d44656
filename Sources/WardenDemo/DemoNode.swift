/// One node of the demo cluster: `<dir>/<name>/data` (data directory), its Unix socket in
/// `<dir>/<name>`, its repmgr.conf in `<dir>/<name>.conf`.
public struct DemoNode: Sendable, Equatable {
    public let id: Int
    public let name: String
    public let role: DemoNodeRole
    /// The node it is cloned from and streams from (nil for the primary and the witness).
    public let upstreamID: Int?
    public let port: Int
    /// `<dir>/<name>`: the socket directory and logs.
    public let directory: String
    public let dataDirectory: String
    public let configPath: String

    public init(id: Int, name: String, role: DemoNodeRole, upstreamID: Int?, port: Int, sandbox: String) {
        self.id = id
        self.name = name
        self.role = role
        self.upstreamID = upstreamID
        self.port = port
        self.directory = sandbox + "/" + name
        self.dataDirectory = directory + "/data"
        self.configPath = sandbox + "/" + name + ".conf"
    }

    /// The superuser connection to the metadata database (no password: loopback trust).
    public var conninfo: String { conninfo(database: "repmgr") }

    public func conninfo(database: String) -> String {
        "host=127.0.0.1 port=\(port) user=repmgr dbname=\(database) connect_timeout=2"
    }

    /// The daemon's PID file, log and standard output.
    public var daemonPIDFile: String { directory + "/daemon.pid" }
    public var daemonLog: String { directory + "/daemon.log" }
    public var daemonOutput: String { directory + "/daemon.out" }
    /// Where `pg_ctl -l` writes (the engine's node service default).
    public var serverLog: String { dataDirectory + "/pgwarden-server.log" }
}
