import Foundation
import WardenEngine

/// A pgbouncer in front of the demo's primary (database `demo`), run in the foreground as a child
/// of the demo, listening on 127.0.0.1 only; its admin console (`dbname=pgbouncer`) is open to the
/// `repmgr` user so that the daemons can repoint it on promotion.
struct PgBouncerInstance: Sendable {
    let executable: String
    let directory: String
    let port: Int

    var configFile: String { directory + "/pgbouncer.ini" }
    var logFile: String { directory + "/pgbouncer.log" }

    /// The conninfo of the admin console, for `pgbouncer_admin_conninfo`.
    var adminConninfo: String { "host=127.0.0.1 port=\(port) dbname=pgbouncer user=repmgr connect_timeout=2" }
    /// The pooled database, for `pgbouncer_databases`.
    static let database = "demo"

    func writeConfiguration(primary: DemoNode) throws(WardenError) {
        let settings = """
            ;; pgwarden demo: pgbouncer in front of the primary
            [databases]
            \(Self.database) = host=127.0.0.1 port=\(primary.port) dbname=\(Self.database)

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(directory)/userlist.txt
            admin_users = repmgr
            pool_mode = session
            ignore_startup_parameters = extra_float_digits,options
            logfile = \(logFile)

            """
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try settings.write(toFile: configFile, atomically: false, encoding: .utf8)
            try "\"repmgr\" \"\"\n".write(toFile: directory + "/userlist.txt", atomically: false, encoding: .utf8)
        } catch {
            throw WardenError(
                "cannot write the pgbouncer configuration: \(error.localizedDescription)", exitStatus: .badConfig)
        }
    }

    /// Starts pgbouncer and waits until its admin console answers.
    func start(environment: [String: String]) async throws(WardenError) -> ProcessIdentity {
        let identity = try ChildLauncher.spawn(
            [executable, configFile], environment: environment, output: directory + "/pgbouncer.out")
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let conninfo = try? Conninfo(parsing: adminConninfo),
                (try? await PostgresConnection.connect(conninfo, timeout: .seconds(1))) != nil
            {
                return identity
            }
            if ChildLauncher.reap(identity.pid) { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        let output = (try? String(contentsOfFile: directory + "/pgbouncer.out", encoding: .utf8)) ?? ""
        throw WardenError(
            "pgbouncer did not start on port \(port)",
            detail: (log + output).split(separator: "\n").suffix(5).joined(separator: "\n"), exitStatus: .badConfig)
    }
}
