import Foundation

/// Runs a program on a node's own host, as the PostgreSQL server's OS user, through that
/// node's PostgreSQL server (`COPY ... TO PROGRAM`). This is how pgwarden reaches other
/// nodes without SSH: the channel is the cluster's own database connection, authenticated by
/// PostgreSQL, and usable only by a superuser (or a member of `pg_execute_server_program`),
/// i.e. only by the cluster's pgwarden/repmgr user. It works on primaries and on hot standbys.
///
/// The command text never enters SQL text: it is passed as a query parameter into a session
/// setting, and a constant `DO` block hands it to `COPY` with `format('%L')` quoting done by
/// the server.
public struct ServerHost: Sendable {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    private static let runStatement = """
        DO $pgwarden$
        BEGIN
          EXECUTE pg_catalog.format('COPY (SELECT 1) TO PROGRAM %L', pg_catalog.current_setting('pgwarden.program'));
        END
        $pgwarden$
        """

    /// Runs `/bin/sh -c command` on the server's host and waits for it; its output (stdout and
    /// stderr) is returned. A non-zero exit becomes an error that includes the output.
    public func run(_ command: String, timeout: Duration = .seconds(60)) async throws(WardenError) -> String {
        let outputFile = "/tmp/pgwarden-program-\(UUID().uuidString).out"
        let wrapped =
            "cat >/dev/null; ( \(command) ) >\(ShellQuoting.quote(outputFile)) 2>&1; status=$?; "
            + "chmod 600 \(ShellQuoting.quote(outputFile)); exit $status"
        var failure: WardenError?
        do {
            try await connection.query("SELECT pg_catalog.set_config('pgwarden.program', $1, false)", [wrapped])
            try await connection.query(Self.runStatement, timeout: timeout)
        } catch {
            failure = error
        }
        let output =
            (try? await connection.query("SELECT pg_catalog.pg_read_file($1) AS output", [outputFile]))?
            .first?.string("output") ?? ""
        _ = try? await connection.query(
            "SELECT pg_catalog.set_config('pgwarden.program', $1, false)", ["rm -f \(ShellQuoting.quote(outputFile))"])
        _ = try? await connection.query(Self.runStatement)
        if let failure {
            throw WardenError(
                "command failed on the node's host: \(failure.message)",
                detail: output.isEmpty ? nil : output.trimmingTrailingNewlines(), exitStatus: .localCommand)
        }
        return output
    }

    /// Starts `command` on the server's host in a new session and returns without waiting for
    /// it; used for actions that stop the server the connection goes through.
    ///
    /// Such an action can end this very session before the server answers (a fast shutdown
    /// terminates every backend, this one included, while it is finishing the request). That is
    /// not a failure: the result is then ``DetachedLaunch/sessionLost(_:)`` and the caller finds
    /// out by watching the server. Throws only when the server refused the request on a session
    /// that is still alive (no privilege, bad setting): then nothing was started.
    public func launchDetached(_ command: String, logFile: String, timeout: Duration = .seconds(10))
        async throws(WardenError) -> DetachedLaunch
    {
        // PostgreSQL 15 lets a program started by COPY inherit the backend's descriptors, the
        // client's socket among them; the detached program (and a server it starts) would keep
        // this session's socket open long after its backend is gone. Close what a POSIX shell can.
        let detached =
            "cat >/dev/null; setsid sh -c \(ShellQuoting.quote(command)) >>\(ShellQuoting.quote(logFile)) 2>&1 </dev/null "
            + "3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &"
        try await connection.query(
            "SELECT pg_catalog.set_config('pgwarden.program', $1, false)", [detached], timeout: timeout)
        do {
            try await connection.query(Self.runStatement, timeout: timeout)
            return .confirmed
        } catch {
            // A timed-out request may have been answered by a server that was already stopping.
            if connection.isBroken || error.message.contains("timed out") {
                return .sessionLost(error.message)
            }
            throw error
        }
    }

    /// True when the connected user may run programs on the server's host.
    public func isAvailable() async -> Bool {
        let result = try? await connection.query(
            """
            SELECT rolsuper OR pg_catalog.pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER') AS allowed
              FROM pg_catalog.pg_roles WHERE rolname = current_user
            """)
        return result?.first?.bool("allowed") ?? false
    }
}
