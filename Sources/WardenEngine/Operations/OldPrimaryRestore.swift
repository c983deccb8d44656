/// Puts the old primary back as the writable primary after a switchover that asked it to stop
/// but could not promote the candidate. When its control script restarted it as a standby of the
/// candidate, it is promoted again; when it has not stopped (yet), its return as a standby is
/// called off, so that a stop coming later brings it back as the primary. Its standby settings
/// are reset either way. Every wait has the configured bound: `standby_reconnect_timeout` for the
/// server to accept connections again, `promote_check_timeout` for the promotion.
struct OldPrimaryRestore: Sendable {
    let oldPrimary: NodeRecord
    let conninfo: Conninfo
    let reconnectTimeout: Duration
    let promoteTimeout: Duration
    /// The shell-quoted path of the file whose presence makes the control script restart the
    /// server without `standby.signal`.
    let cancelMarker: String

    /// What became of the attempt.
    enum Outcome: Sendable, Equatable {
        /// The old primary accepts writes again; the text, when there is one, says what was done
        /// about a stop that may still come.
        case writable(String?)
        /// It does not; the text says why (for the error the operator reads).
        case failed(String)
    }

    func run(report: @escaping MessageSink) async -> Outcome {
        report(OperationMessage(.warning, "switchover failed: restoring \(oldPrimary.label) as the primary"))
        let deadline = ContinuousClock.now + reconnectTimeout
        var lastError = "it did not accept connections"
        while ContinuousClock.now < deadline {
            let remaining = deadline - ContinuousClock.now
            do {
                let connection = try await PostgresConnection.connect(conninfo, timeout: min(remaining, .seconds(2)))
                let inRecovery =
                    try await connection.query(
                        "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery", timeout: .seconds(5)
                    ).first?.bool("in_recovery") ?? true
                var note: String?
                if inRecovery {
                    _ = try await PromotionSteps.promote(connection, timeout: promoteTimeout)
                } else {
                    note = await callOffStandbyRestart(connection)
                }
                let settings = ServerSettings(connection: connection)
                try await settings.set("primary_conninfo", to: nil)
                try await settings.set("primary_slot_name", to: nil)
                try await settings.reload()
                let writable =
                    try await connection.query(
                        "SELECT NOT pg_catalog.pg_is_in_recovery() AS writable", timeout: .seconds(5)
                    ).first?.bool("writable") == true
                return writable ? .writable(note) : .failed("it is still in recovery after pg_promote()")
            } catch {
                lastError = error.message
                if error.exitStatus == .promotionFailed { return .failed(error.message) }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return .failed("\(lastError) within standby_reconnect_timeout (\(reconnectTimeout.secondsText))")
    }

    /// Writes the marker through the server, which still runs as the primary; returns a sentence
    /// for the operator.
    private func callOffStandbyRestart(_ connection: PostgresConnection) async -> String {
        do {
            _ = try await ServerHost(connection: connection).run("touch \(cancelMarker)", timeout: .seconds(5))
            return "its return as a standby was called off, so a stop coming later brings it back as the primary"
        } catch {
            return
                "calling off its return as a standby failed (\(error.message)): if it stops later, it comes back as a standby"
        }
    }
}
