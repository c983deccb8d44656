/// What the switchover candidate sees of the old primary while that one stops and comes back
/// as a standby. Only the candidate's own connections count: the session that asked for the
/// stop may have been ended by it, so its answer (or the lack of one) proves nothing.
enum OldPrimaryState: Sendable, Equatable {
    /// Refuses connections, or is starting up again: its postmaster finished the shutdown.
    case down
    /// Accepts connections in recovery: it came back as a standby, which its control script does
    /// only after a clean stop. `shutdownCheckpoint` is the checkpoint its control file names (the
    /// shutdown checkpoint, until the new primary's WAL moves it on), when it could be read.
    case standby(shutdownCheckpoint: LSN?)
    /// Accepts connections and is not in recovery: still the primary, accepting writes.
    case primary
    /// Shutting down, or unreachable for another reason (the text says which): not done yet.
    case unsettled(String)

    /// True once the old primary no longer runs as a primary and finished its shutdown.
    var isStopped: Bool {
        switch self {
        case .down, .standby: return true
        case .primary, .unsettled: return false
        }
    }

    /// Looks once, within `timeout` (connection and query together).
    static func observe(_ conninfo: Conninfo, timeout: Duration) async -> OldPrimaryState {
        let deadline = ContinuousClock.now + timeout
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(conninfo, timeout: timeout)
        } catch {
            let text = (error.detail ?? "") + " " + error.message
            if text.contains("Connection refused") || text.contains("the database system is starting up")
                || text.contains("not yet accepting connections")
            {
                return .down
            }
            if text.contains("shutting down") { return .unsettled("shutting down") }
            return .unsettled(error.message)
        }
        let remaining = max(deadline - ContinuousClock.now, .milliseconds(200))
        let inRecovery: Bool
        do {
            guard
                let answer = try await connection.query(
                    "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery", timeout: remaining
                ).first?.bool("in_recovery")
            else { return .unsettled("no answer to pg_is_in_recovery()") }
            inRecovery = answer
        } catch {
            return .unsettled(error.message)
        }
        guard inRecovery else { return .primary }
        // pg_control_checkpoint() is for superusers unless granted; a member of
        // pg_execute_server_program may not read it, which only makes the WAL check less precise.
        let checkpoint = try? await connection.query(
            "SELECT checkpoint_lsn FROM pg_catalog.pg_control_checkpoint()", timeout: .seconds(1)
        ).first?.lsn("checkpoint_lsn")
        return .standby(shutdownCheckpoint: checkpoint)
    }

    /// Polls every 10 ms until the old primary is stopped or `deadline` passes; returns the last
    /// state seen.
    static func waitUntilStopped(_ conninfo: Conninfo, deadline: ContinuousClock.Instant) async -> OldPrimaryState {
        var state = OldPrimaryState.unsettled("not observed yet")
        while true {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return state }
            state = await observe(conninfo, timeout: min(remaining, .seconds(1)))
            if state.isStopped { return state }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// How the state reads in a message: "node \"node1\" (ID: 1) is still the primary and accepts writes".
    func describe(_ label: String) -> String {
        switch self {
        case .down: return "\(label) is shut down"
        case .standby: return "\(label) runs as a standby"
        case .primary: return "\(label) is still the primary and accepts writes"
        case .unsettled(let reason): return "\(label) is in an unknown state (\(reason))"
        }
    }
}
