import Foundation
import WardenEngine

/// The files the demo writes for a node: its repmgr.conf, and the server settings it adds to a data
/// directory (an include file with the node's own port and socket directory, and a pg_hba.conf that
/// trusts the loopback, replication included).
enum DemoFiles {
    /// The failover settings: quick, so that a failover is seen within seconds.
    static let failoverSettings = """
        failover=automatic
        reconnect_attempts=2
        reconnect_interval=1
        monitor_interval_secs=1
        monitoring_history=yes
        """

    /// The include file (in the data directory) that postgresql.conf reads last.
    static let settingsFile = "pgwarden-demo.conf"

    /// Rejects a directory that the configuration files could not quote plainly.
    static func checkPath(_ path: String) throws(WardenError) {
        if path.contains(where: { $0 == "'" || $0 == "\\" || $0 == "\"" || $0.isNewline || $0 == " " }) {
            throw WardenError(
                "the demo directory \"\(path)\" contains a quote, backslash, space or line break",
                hint: "choose a plainer path with --dir", exitStatus: .badConfig)
        }
    }

    static func writeConfiguration(
        for node: DemoNode, bindir: String, pgbouncer: PgBouncerInstance?
    ) throws(WardenError) -> NodeConfiguration {
        var lines = [
            "# pgwarden demo: \(node.name) (\(node.role.rawValue))",
            "node_id=\(node.id)",
            "node_name='\(node.name)'",
            "conninfo='\(node.conninfo)'",
            "data_directory='\(node.dataDirectory)'",
            "use_replication_slots=yes",
            "pg_bindir='\(bindir)'",
            failoverSettings,
            "repmgrd_pid_file='\(node.daemonPIDFile)'",
            "log_file='\(node.daemonLog)'",
            "log_level='INFO'",
        ]
        if let pgbouncer {
            lines.append("pgbouncer_admin_conninfo='\(pgbouncer.adminConninfo)'")
            lines.append("pgbouncer_databases='\(PgBouncerInstance.database)'")
        }
        try write((lines + [""]).joined(separator: "\n"), to: node.configPath, mode: 0o644)
        return try ConfigurationLoader.load(path: node.configPath).0
    }

    /// Points postgresql.conf at the include file (once) and writes the node's own settings and pg_hba.conf.
    static func writeServerSettings(for node: DemoNode) throws(WardenError) {
        let main = node.dataDirectory + "/postgresql.conf"
        let include = "include_if_exists = '\(settingsFile)'"
        let existing = (try? String(contentsOfFile: main, encoding: .utf8)) ?? ""
        if !existing.contains(include) {
            try write(existing + "\n# pgwarden demo\n\(include)\n", to: main, mode: 0o600)
        }
        let settings = [
            "listen_addresses = '127.0.0.1'",
            "port = \(node.port)",
            "unix_socket_directories = '\(node.directory)'",
            "cluster_name = '\(node.name)'",
            "wal_level = replica",
            "max_wal_senders = 10",
            "max_replication_slots = 10",
            "max_connections = 50",
            "hot_standby = on",
            "wal_log_hints = on",
            "min_wal_size = '4MB'",
            "max_wal_size = '64MB'",
            "shared_buffers = '16MB'",
            "fsync = off",
            "checkpoint_completion_target = 0",
            "logging_collector = off",
        ]
        try write(settings.joined(separator: "\n") + "\n", to: node.dataDirectory + "/" + settingsFile, mode: 0o600)
        let hba = """
            # pgwarden demo: trust the loopback only
            local   all          all                  trust
            local   replication  all                  trust
            host    all          all   127.0.0.1/32   trust
            host    replication  all   127.0.0.1/32   trust

            """
        try write(hba, to: node.dataDirectory + "/pg_hba.conf", mode: 0o600)
    }

    static func write(_ text: String, to path: String, mode: Int) throws(WardenError) {
        do {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        } catch {
            throw WardenError("cannot write \(path): \(error.localizedDescription)", exitStatus: .badConfig)
        }
    }

    /// The last `lines` lines of a log file, for an error's detail.
    static func tail(_ path: String, lines: Int = 8) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty else { return nil }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
