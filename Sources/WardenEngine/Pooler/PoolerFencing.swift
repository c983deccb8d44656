import Foundation

/// Built-in pooler fencing: keeps pgbouncer pointed at the primary, so that no application
/// writes to a former primary.
///
/// For every console in `pgbouncer_admin_conninfo` and every database in `pgbouncer_databases`
/// (empty: every database the pooler serves), ``repoint(to:nodeID:catalog:)`` rewrites the
/// database's `[databases]` entry in pgbouncer's own configuration file (found with
/// `SHOW CONFIG`) so that it names the new primary's host and port, then sends `RELOAD`. A
/// switchover also holds client traffic with ``pause()`` before the old primary stops and
/// releases it with ``resume(_:)`` once the new primary is in place, so clients wait instead
/// of failing.
///
/// Nothing here throws or blocks for long: an unreachable console is retried for about two
/// seconds, then reported (messages, the `pooler_repoint` event, the returned outcomes) — a
/// pooler never fails or holds up a promotion.
public struct PoolerFencing: Sendable {
    public let configuration: NodeConfiguration
    let report: MessageSink
    /// How long a `PAUSE` may wait for pgbouncer to release its server connections (it waits
    /// for running transactions); after that the switchover goes on without the pause.
    public static let pauseTimeout: Duration = .seconds(2)
    /// Deadline of the other admin commands.
    static let commandTimeout: Duration = .seconds(2)

    public init(configuration: NodeConfiguration, report: @escaping MessageSink) {
        self.configuration = configuration
        self.report = report
    }

    /// True when `pgbouncer_admin_conninfo` names at least one console.
    public var isConfigured: Bool { !configuration.pgbouncerAdminConninfo.isEmpty }

    /// One line for plans and event details: which consoles are managed, or nil when none is.
    public var summary: String? {
        guard isConfigured else { return nil }
        let consoles = configuration.pgbouncerAdminConninfo.map { text in
            (try? PoolerConsole(conninfo: text).label) ?? Conninfo.maskPasswords(in: text)
        }
        let databases =
            configuration.pgbouncerDatabases.trimmingCharacters(in: .whitespaces).isEmpty
            ? "every database" : "database(s) \(configuration.pgbouncerDatabases)"
        return "\(consoles.joined(separator: ", ")) (\(databases))"
    }

    // MARK: - Repointing

    /// Points every managed pgbouncer database at `newPrimary` and reloads pgbouncer; records
    /// `pooler_repoint` (node `nodeID`) in `catalog`. Returns one outcome per console.
    @discardableResult
    public func repoint(to newPrimary: Conninfo, nodeID: Int, catalog: Catalog?) async -> [PoolerOutcome] {
        guard isConfigured else { return [] }
        let outcomes: [PoolerOutcome]
        if let host = newPrimary.host {
            let port = newPrimary.port ?? "5432"
            outcomes = await forEachConsole { console, databases in
                await Self.repoint(console, databases: databases, host: host, port: port)
            }
        } else {
            outcomes = configuration.pgbouncerAdminConninfo.map { text in
                PoolerOutcome(
                    console: Self.label(text), succeeded: false,
                    detail: "the new primary's conninfo (\(newPrimary)) names no host for pgbouncer to use")
            }
        }
        for outcome in outcomes {
            report(OperationMessage(outcome.succeeded ? .notice : .warning, outcome.description))
        }
        let details =
            "new primary \(newPrimary.host ?? "?"):\(newPrimary.port ?? "5432"); "
            + outcomes.map(\.description).joined(separator: "; ")
        await EventRecorder(report: report, configuration: configuration).record(
            "pooler_repoint", nodeID: nodeID, successful: outcomes.allSatisfy(\.succeeded), details: details,
            in: catalog)
        return outcomes
    }

    private static func repoint(
        _ console: PoolerConsole, databases configured: [PoolerDatabaseName], host: String, port: String
    ) async -> PoolerOutcome {
        do throws(WardenError) {
            let connection = try await console.connect()
            let served = try await PoolerConsole.databases(connection)
            let managed = try PoolerConsole.managedDatabases(configured: configured, served: served)
            guard !managed.isEmpty else {
                return PoolerOutcome(console: console.label, succeeded: true, detail: "serves no database to repoint")
            }
            let names = managed.map(\.name).joined(separator: ", ")
            let pending = managed.filter { name in
                !served.contains { $0.name == name.name && $0.host == host && $0.port == port }
            }
            guard !pending.isEmpty else {
                return PoolerOutcome(
                    console: console.label, succeeded: true, detail: "\(names) already pointed at \(host):\(port)")
            }
            let path = try await PoolerConsole.configFilePath(connection)
            var file = try PoolerConfigFile.read(path)
            for database in pending { try file.repoint(database, host: host, port: port) }
            try file.save(to: path)
            try await connection.adminCommand(.reload, timeout: commandTimeout)
            let after = try await PoolerConsole.databases(connection)
            let stale = managed.filter { name in
                !after.contains { $0.name == name.name && $0.host == host && $0.port == port }
            }
            guard stale.isEmpty else {
                throw WardenError(
                    "after RELOAD pgbouncer still sends \(stale.map(\.name).joined(separator: ", ")) elsewhere",
                    hint: "check pgbouncer's log for errors in \(path)", exitStatus: .localCommand)
            }
            return PoolerOutcome(
                console: console.label, succeeded: true, detail: "\(names) now pointed at \(host):\(port) (\(path))")
        } catch {
            return PoolerOutcome(console: console.label, succeeded: false, detail: Self.text(of: error))
        }
    }

    /// `pgbouncer repointed: A; not repointed: B` for a promotion's event details (nil: no consoles).
    public static func summary(of outcomes: [PoolerOutcome]) -> String? {
        guard !outcomes.isEmpty else { return nil }
        let repointed = outcomes.filter(\.succeeded).map(\.console)
        let failed = outcomes.filter { !$0.succeeded }.map(\.console)
        var text = "pgbouncer repointed: \(repointed.isEmpty ? "none" : repointed.joined(separator: ", "))"
        if !failed.isEmpty { text += "; not repointed: \(failed.joined(separator: ", "))" }
        return text
    }

    // MARK: - Pause and resume

    /// `PAUSE`s every managed database on every console (databases already paused are left
    /// alone). A console that cannot be paused within ``pauseTimeout`` is resumed again and
    /// reported; the caller goes on without holding its clients.
    public func pause() async -> PoolerPause {
        guard isConfigured else { return PoolerPause(held: []) }
        let consoles = consoles()
        let held = await withTaskGroup(
            of: (console: PoolerConsole, connection: PostgresConnection, databases: [PoolerDatabaseName])?.self
        ) { group in
            for case .success(let console) in consoles {
                group.addTask { await pause(console) }
            }
            var held: [(console: PoolerConsole, connection: PostgresConnection, databases: [PoolerDatabaseName])] = []
            for await entry in group {
                if let entry { held.append(entry) }
            }
            return held
        }
        for case .failure(let failure) in consoles {
            report(
                OperationMessage(
                    .warning, "\(failure.console): client traffic is not held during the switchover",
                    detail: failure.detail))
        }
        return PoolerPause(held: held)
    }

    private func pause(_ console: PoolerConsole) async
        -> (console: PoolerConsole, connection: PostgresConnection, databases: [PoolerDatabaseName])?
    {
        let deadline = ContinuousClock.now + Self.pauseTimeout
        var attempted: [PoolerDatabaseName] = []
        do throws(WardenError) {
            let databases = try PoolerDatabaseName.list(configuration.pgbouncerDatabases)
            let connection = try await console.connect(budget: Self.pauseTimeout)
            let served = try await PoolerConsole.databases(connection)
            let managed = try PoolerConsole.managedDatabases(configured: databases, served: served)
            for database in managed where !served.contains(where: { $0.name == database.name && $0.paused }) {
                attempted.append(database)
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else {
                    throw WardenError(
                        "PAUSE did not complete within \(Self.pauseTimeout.secondsText)", exitStatus: .dbQuery)
                }
                do throws(WardenError) {
                    try await connection.adminCommand(.pause(database), timeout: remaining)
                } catch {
                    if ContinuousClock.now >= deadline {
                        throw WardenError(
                            "PAUSE \(database.name) did not complete within \(Self.pauseTimeout.secondsText) (a transaction still holds a server connection)",
                            exitStatus: .dbQuery)
                    }
                    throw error
                }
            }
            report(
                OperationMessage(
                    .notice,
                    "\(console.label): paused \(attempted.isEmpty ? "nothing (already paused)" : attempted.map(\.name).joined(separator: ", "))"
                ))
            return (console, connection, attempted)
        } catch {
            report(
                OperationMessage(
                    .warning, "\(console.label): could not hold client traffic; continuing without the pause",
                    detail: Self.text(of: error)))
            if !attempted.isEmpty {
                await resume(console, connection: nil, databases: attempted)
            }
            return nil
        }
    }

    /// `RESUME`s what ``pause()`` paused. Always call it on every path once a pause was taken,
    /// failures included, so that clients are never left waiting.
    public func resume(_ pause: PoolerPause) async {
        await withTaskGroup(of: Void.self) { group in
            for entry in pause.held where !entry.databases.isEmpty {
                group.addTask {
                    await resume(entry.console, connection: entry.connection, databases: entry.databases)
                }
            }
        }
    }

    private func resume(_ console: PoolerConsole, connection: PostgresConnection?, databases: [PoolerDatabaseName])
        async
    {
        var connection = connection
        var pending = databases
        let deadline = ContinuousClock.now + PoolerConsole.connectBudget
        var lastError: WardenError?
        while !pending.isEmpty {
            do throws(WardenError) {
                if connection?.isBroken ?? true {
                    connection = try await console.connect(
                        budget: max(deadline - ContinuousClock.now, .milliseconds(200)))
                }
                guard let usable = connection else { break }
                let database = pending[0]
                do throws(WardenError) {
                    try await usable.adminCommand(.resume(database), timeout: Self.commandTimeout)
                } catch  where error.message.contains("is not paused") {
                    // Already resumed (a pgbouncer restart, an operator): nothing waits.
                }
                pending.removeFirst()
            } catch {
                lastError = error
                connection = nil
                if ContinuousClock.now >= deadline { break }
                try? await Task.sleep(for: PoolerConsole.retryInterval)
            }
        }
        if pending.isEmpty {
            report(
                OperationMessage(.notice, "\(console.label): resumed \(databases.map(\.name).joined(separator: ", "))"))
        } else {
            report(
                OperationMessage(
                    .error,
                    "\(console.label): could not RESUME \(pending.map(\.name).joined(separator: ", ")); its clients stay paused",
                    detail: lastError.map(Self.text(of:)),
                    hint: "run \(pending.map { "RESUME \($0.quoted);" }.joined(separator: " ")) on that admin console"))
        }
    }

    // MARK: - Helpers

    /// Runs `body` for every configured console concurrently; a conninfo or database list that
    /// does not parse is a failed outcome, not an error.
    private func forEachConsole(
        _ body: @escaping @Sendable (PoolerConsole, [PoolerDatabaseName]) async -> PoolerOutcome
    ) async -> [PoolerOutcome] {
        let databases: [PoolerDatabaseName]
        do {
            databases = try PoolerDatabaseName.list(configuration.pgbouncerDatabases)
        } catch {
            return configuration.pgbouncerAdminConninfo.map {
                PoolerOutcome(console: Self.label($0), succeeded: false, detail: Self.text(of: error))
            }
        }
        let consoles = consoles()
        return await withTaskGroup(of: (Int, PoolerOutcome).self) { group in
            for (index, console) in consoles.enumerated() {
                switch console {
                case .success(let console):
                    group.addTask { (index, await body(console, databases)) }
                case .failure(let failure):
                    group.addTask {
                        (index, PoolerOutcome(console: failure.console, succeeded: false, detail: failure.detail))
                    }
                }
            }
            var outcomes: [(Int, PoolerOutcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private func consoles() -> [Result<PoolerConsole, PoolerConsoleFailure>] {
        configuration.pgbouncerAdminConninfo.map { text in
            do throws(WardenError) {
                return .success(try PoolerConsole(conninfo: text))
            } catch {
                return .failure(PoolerConsoleFailure(console: Self.label(text), detail: Self.text(of: error)))
            }
        }
    }

    private static func label(_ conninfo: String) -> String {
        (try? PoolerConsole(conninfo: conninfo).label) ?? "pgbouncer \(Conninfo.maskPasswords(in: conninfo))"
    }

    private static func text(of error: WardenError) -> String {
        [error.message, error.detail, error.hint.map { "hint: \($0)" }].compactMap { $0 }.joined(separator: "; ")
    }
}
