/// The client traffic pgwarden holds with `PAUSE` during a switchover: per console, the open
/// admin connection and the databases it paused (databases that were already paused by
/// someone else are not in the list, so ``PoolerFencing/resume(_:)`` leaves them paused).
public struct PoolerPause: Sendable {
    let held: [(console: PoolerConsole, connection: PostgresConnection, databases: [PoolerDatabaseName])]

    /// True when no database is paused (no console configured, or none could be paused).
    public var isEmpty: Bool { held.allSatisfy { $0.databases.isEmpty } }
}
