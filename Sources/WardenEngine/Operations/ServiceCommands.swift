/// How to stop, start and rewind a node's server on its own host: the node's
/// `service_*_command` settings when it has them, else `pg_ctl` from its `pg_bindir`, else
/// from the directory of the running postgres binary. The results are shell command lines
/// with every path shell-quoted.
public struct ServiceCommands: Sendable, Equatable {
    public var stop: String
    public var start: String
    public var bindir: String
    public var dataDirectory: String

    /// `bindir` may be a shell expression (used when the node's pg_bindir is unknown).
    public init(configuration: NodeConfiguration?, dataDirectory: String, fallbackBindir: String) {
        let data = ShellQuoting.quote(dataDirectory)
        let configured = configuration.map { $0.pgBindir.isEmpty ? nil : $0.pgBindir } ?? nil
        let bindir = configured.map(ShellQuoting.quote) ?? fallbackBindir
        let pgCtl = "\(bindir)/pg_ctl"
        let options = configuration?.pgCtlOptions ?? ""
        let extra = options.isEmpty ? "" : " \(options)"
        let log = ShellQuoting.quote(dataDirectory + "/pgwarden-server.log")
        self.bindir = bindir
        self.dataDirectory = dataDirectory
        self.stop = configuration?.serviceStopCommand ?? "\(pgCtl) -D \(data)\(extra) -m fast -w -t 60 stop"
        self.start = configuration?.serviceStartCommand ?? "\(pgCtl) -D \(data)\(extra) -w -t 60 -l \(log) start"
    }

    /// Inside a shell started by the server (COPY TO PROGRAM), `$PPID` is the backend, whose
    /// executable lives in the server's bindir.
    public static let serverBindirExpression = "\"$(dirname \"$(readlink -f /proc/$PPID/exe)\")\""
}
