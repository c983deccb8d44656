/// The fence itself, applied to the server a connection reaches: the step `node fence`, `node unfence`
/// and the failover daemon (fencing its own node) share.
///
/// - Read-only: `ALTER SYSTEM SET default_transaction_read_only = on` (kept in postgresql.auto.conf,
///   so it survives a restart), a configuration reload, then every other client session is terminated
///   so that no open transaction can still write; new sessions start read-only (SQLSTATE 25006 on a write).
///   It is a default, not a lock: a session that sets `default_transaction_read_only = off` (or starts
///   `BEGIN READ WRITE`) can still write; `stop` or a `fence_command` is the hard fence.
/// - Stop: the server's own host runs its stop command (``ServiceCommands``) through ``ServerHost``.
/// - Lift: `ALTER SYSTEM RESET default_transaction_read_only` and a reload.
public enum ServerFence {
    /// How long ``makeReadOnly(_:)`` waits for the reload to reach the sessions.
    static let reloadWait: Duration = .seconds(5)

    /// Makes the server refuse writes and terminates every client session except this one.
    /// Returns how many sessions were terminated.
    @discardableResult
    public static func makeReadOnly(_ connection: PostgresConnection) async throws(WardenError) -> Int {
        let settings = ServerSettings(connection: connection)
        try await settings.set("default_transaction_read_only", to: "on")
        try await settings.reload()
        try await waitForReload(connection, expecting: "on")
        let terminated = try await connection.query(
            """
            SELECT count(*) FILTER (WHERE pg_catalog.pg_terminate_backend(pid))::int AS terminated
              FROM pg_catalog.pg_stat_activity
             WHERE backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid()
            """)
        return terminated.first?.int("terminated") ?? 0
    }

    /// Lets the server accept writes again (a fenced primary; on a standby it only removes the setting).
    public static func lift(_ connection: PostgresConnection) async throws(WardenError) {
        let settings = ServerSettings(connection: connection)
        try await settings.set("default_transaction_read_only", to: nil)
        try await settings.reload()
        try await waitForReload(connection, expecting: "off")
    }

    /// Whether new sessions on the server start read-only (`default_transaction_read_only` as
    /// configured, not as this session may have set it).
    public static func isReadOnly(_ connection: PostgresConnection) async throws(WardenError) -> Bool {
        try await connection.query("SELECT \(readOnlyByDefaultSQL) AS read_only").first?.bool("read_only") == true
    }

    /// The SQL expression behind ``isReadOnly(_:)``, for queries that read it with other facts.
    static let readOnlyByDefaultSQL =
        "(SELECT reset_val FROM pg_catalog.pg_settings WHERE name = 'default_transaction_read_only') = 'on'"

    /// Starts the server's stop command on its own host and returns at once (the connection
    /// goes away with the server; a session the stop itself ended counts as requested).
    public static func stop(_ connection: PostgresConnection, commands: ServiceCommands) async throws(WardenError) {
        _ = try await ServerHost(connection: connection).launchDetached(
            commands.stop, logFile: commands.dataDirectory + "/pgwarden-server.log")
    }

    /// Fences the node `configuration` describes, the way its failover daemon does: its `fence_command`
    /// when set (run here, with `subject`'s placeholders), otherwise `fence_mode` applied to the local
    /// server through `connection` (nil: the server is unreachable, which only a command can handle).
    /// Returns how the node was fenced, for ``FenceTable/record(_:node:details:on:recorder:primaryNode:)``.
    public static func fenceLocal(
        configuration: NodeConfiguration, connection: PostgresConnection?, subject: FenceSubject,
        report: @escaping MessageSink
    ) async throws(WardenError) -> FenceMethod {
        if let command = FenceCommand(configuration: configuration, fence: true) {
            try await command.run(for: subject, report: report)
            return .command
        }
        guard let connection else {
            throw WardenError(
                "unable to fence node \(subject.nodeID): its server is unreachable and no fence_command is set",
                exitStatus: .dbConnection)
        }
        switch configuration.fenceMode {
        case .readOnly:
            let terminated = try await makeReadOnly(connection)
            report(
                OperationMessage(.notice, "node \(subject.nodeID) is read-only; \(terminated) session(s) terminated"))
            return .readOnly
        case .stop:
            try await stop(
                connection,
                commands: ServiceCommands(
                    configuration: configuration, dataDirectory: configuration.dataDirectory,
                    fallbackBindir: ServiceCommands.serverBindirExpression))
            report(OperationMessage(.notice, "node \(subject.nodeID) is stopping"))
            return .stop
        }
    }

    /// Waits until this session has taken in the reloaded setting (the reload is asynchronous), so that
    /// every session that exists afterwards has it too.
    private static func waitForReload(_ connection: PostgresConnection, expecting value: String)
        async throws(WardenError)
    {
        let deadline = ContinuousClock.now + reloadWait
        while ContinuousClock.now < deadline {
            let current = try await connection.query(
                "SELECT reset_val FROM pg_catalog.pg_settings WHERE name = 'default_transaction_read_only'"
            ).first?.string("reset_val")
            if current == value { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        throw WardenError(
            "the server did not apply default_transaction_read_only = \(value) within \(reloadWait.components.seconds) s",
            hint: "check the server log for configuration errors", exitStatus: .dbQuery)
    }
}
