import Foundation
import WardenEngine

/// What every command starts from: the parsed configuration file (if one is found), the
/// console at the chosen log level, and the conninfo of the node to talk to.
struct CommandContext {
    let options: GlobalOptions
    let configuration: NodeConfiguration?
    let console: Console

    /// Loads the configuration; `required` commands fail without one (repmgr's message and exit code 1).
    init(_ options: GlobalOptions, configurationRequired: Bool) throws(WardenError) {
        self.options = options
        let environment = ProcessInfo.processInfo.environment
        let path = ConfigurationLoader.locate(
            explicitPath: options.configFile, environment: environment,
            currentDirectory: FileManager.default.currentDirectoryPath)
        var configuration: NodeConfiguration?
        var warnings: [ConfigurationWarning] = []
        if let path {
            (configuration, warnings) = try ConfigurationLoader.load(path: path)
        } else if configurationRequired || !options.hasConnectionOptions {
            throw WardenError(
                "no node information was found - please supply a configuration file",
                hint: "use -f/--config-file, set PGWARDEN_CONFIG, or create ./repmgr.conf or /etc/repmgr.conf",
                exitStatus: .badConfig)
        }
        self.configuration = configuration
        var level = configuration.flatMap { LogLevel(name: $0.logLevel) } ?? .info
        if let name = options.logLevel {
            guard let parsed = LogLevel(name: name) else {
                throw WardenError(
                    "invalid log level \"\(name)\"", hint: "use one of DEBUG, INFO, NOTICE, WARNING, ERROR",
                    exitStatus: .badConfig)
            }
            level = parsed
        }
        if options.quiet { level = .error }
        self.console = Console(minimumLevel: level)
        for warning in warnings { console.show(OperationMessage(.warning, warning.message)) }
    }

    /// The configuration, or the error repmgr gives when a command needs one.
    func requireConfiguration() throws(WardenError) -> NodeConfiguration {
        guard let configuration else {
            throw WardenError(
                "no node information was found - please supply a configuration file", exitStatus: .badConfig)
        }
        return configuration
    }

    /// The node to connect to: -d/-h/-p/-U when given, otherwise the configuration's conninfo.
    func localConninfo() throws(WardenError) -> Conninfo {
        if options.hasConnectionOptions { return try options.connectionConninfo(base: nil) }
        return try Conninfo(parsing: requireConfiguration().conninfo)
    }
}

extension GlobalOptions {
    var hasConnectionOptions: Bool { host != nil || port != nil || dbname != nil || username != nil }

    /// Builds a conninfo from -d (a database name or a whole conninfo) and -h/-p/-U, on top of `base`.
    func connectionConninfo(base: Conninfo?) throws(WardenError) -> Conninfo {
        var conninfo = base ?? Conninfo(parameters: [])
        if let dbname {
            if dbname.contains("=") || dbname.hasPrefix("postgres://") || dbname.hasPrefix("postgresql://") {
                conninfo = try Conninfo(parsing: dbname)
            } else {
                conninfo["dbname"] = dbname
            }
        }
        if let host { conninfo["host"] = host }
        if let port { conninfo["port"] = port }
        if let username { conninfo["user"] = username }
        if conninfo["connect_timeout"] == nil { conninfo["connect_timeout"] = "10" }
        return conninfo
    }
}
