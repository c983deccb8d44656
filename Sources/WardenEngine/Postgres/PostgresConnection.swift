import CLibPQ
import Foundation
import Synchronization

/// One libpq connection.
///
/// Every network wait happens on a dedicated thread with a deadline: connecting uses
/// `PQconnectStart`/`PQconnectPoll` + `poll(2)` (libpq's own `connect_timeout` is ignored
/// there, so pgwarden enforces it), and queries use `PQsendQueryParams` + `poll(2)`, cancelling
/// the statement when its timeout passes. libpq allows a `PGconn` on any thread but never on
/// two at once, so all calls go through `lock`; that makes `@unchecked Sendable` honest.
public final class PostgresConnection: @unchecked Sendable {
    private let raw: OpaquePointer
    private let lock = Mutex(())
    /// The conninfo this connection was made with (password masked when printed).
    public let conninfo: Conninfo
    private let broken = Atomic<Bool>(false)

    private init(raw: OpaquePointer, conninfo: Conninfo) {
        self.raw = raw
        self.conninfo = conninfo
    }

    deinit { PQfinish(raw) }

    /// Default deadline when the conninfo sets no `connect_timeout`.
    public static let defaultConnectTimeout: Duration = .seconds(10)

    /// Connects within `timeout` (default: the conninfo's `connect_timeout`, else 10 s).
    /// `readOnly` opens the session with `default_transaction_read_only=on`.
    public static func connect(
        _ conninfo: Conninfo,
        timeout: Duration? = nil,
        applicationName: String = "pgwarden",
        readOnly: Bool = false
    ) async throws(WardenError) -> PostgresConnection {
        var effective = conninfo
        if effective["fallback_application_name"] == nil {
            effective["fallback_application_name"] = applicationName
        }
        if readOnly {
            let existing = effective["options"].map { $0 + " " } ?? ""
            effective["options"] = existing + "-c default_transaction_read_only=on"
        }
        let deadlineDuration =
            timeout ?? conninfo.connectTimeoutSeconds.map { Duration.seconds($0) } ?? defaultConnectTimeout
        let connectionString = effective.connectionString
        let outcome: Result<PostgresConnection, WardenError> = await DedicatedThread.run {
            connectBlocking(connectionString, conninfo: conninfo, timeout: deadlineDuration)
        }
        return try outcome.get()
    }

    private static func connectBlocking(
        _ connectionString: String, conninfo: Conninfo, timeout: Duration
    ) -> Result<PostgresConnection, WardenError> {
        let deadline = ContinuousClock.now + timeout
        guard let raw = PQconnectStart(connectionString) else {
            return .failure(
                WardenError("connection to database failed", detail: "out of memory", exitStatus: .dbConnection))
        }
        func fail(_ reason: String) -> Result<PostgresConnection, WardenError> {
            PQfinish(raw)
            return .failure(connectionError(reason, conninfo: conninfo))
        }
        if PQstatus(raw) == CONNECTION_BAD {
            return fail(String(cString: PQerrorMessage(raw)))
        }
        var wantWrite = true
        while true {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero {
                let host = conninfo.host ?? "localhost"
                let port = conninfo.port ?? "5432"
                return fail(
                    "connection to server at \"\(host)\", port \(port) failed: timeout expired after \(timeout.secondsText)"
                )
            }
            var descriptor = pollfd(
                fd: PQsocket(raw), events: Int16(wantWrite ? POLLOUT : POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining.milliseconds, 200)))
            if ready < 0 && errno != EINTR {
                return fail("poll() failed: \(String(cString: strerror(errno)))")
            }
            if ready <= 0 { continue }
            switch PQconnectPoll(raw) {
            case PGRES_POLLING_OK:
                // Server notices (e.g. "relation already exists, skipping") are not printed by libpq.
                PQsetNoticeProcessor(raw, { _, _ in }, nil)
                return .success(PostgresConnection(raw: raw, conninfo: conninfo))
            case PGRES_POLLING_FAILED:
                return fail(String(cString: PQerrorMessage(raw)))
            case PGRES_POLLING_READING:
                wantWrite = false
            case PGRES_POLLING_WRITING:
                wantWrite = true
            default:
                break
            }
        }
    }

    static func connectionError(_ reason: String, conninfo: Conninfo) -> WardenError {
        WardenError(
            "connection to database failed",
            detail: "\(reason.trimmingTrailingNewlines())\nattempted to connect using:\n  \(conninfo)",
            exitStatus: .dbConnection
        )
    }

    /// True once a query timed out without the server answering the cancel, or libpq saw the
    /// connection fail: it is then unusable and must be replaced. Never waits: while a call is
    /// running on the connection, only what is already known counts.
    public var isBroken: Bool {
        broken.load(ordering: .relaxed)
            || (lock.withLockIfAvailable { _ in PQstatus(raw) != CONNECTION_OK } ?? false)
    }

    /// True while a call is running on the connection (another one would wait for it).
    public var isBusy: Bool { lock.withLockIfAvailable { _ in false } ?? true }

    /// The connection's socket, for a caller that waits on several descriptors at once (the
    /// daemon watches its upstream's socket so that a crashed upstream is noticed at once).
    public var socketDescriptor: Int32 { lock.withLock { _ in PQsocket(raw) } }

    /// Reads what arrived on an idle connection after its socket became readable; true when
    /// the server closed it (a crash, a shutdown, a terminated backend).
    public func consumeInputDetectsClose() -> Bool {
        lock.withLock { _ in
            if PQconsumeInput(raw) == 0 || PQstatus(raw) != CONNECTION_OK {
                broken.store(true, ordering: .relaxed)
                return true
            }
            // A notice or notification arrived; the connection is alive.
            while let notify = PQnotifies(raw) { PQfreemem(notify) }
            return false
        }
    }

    /// The server's `server_version_num`, from the startup handshake.
    public var serverVersion: Int { lock.withLock { _ in Int(PQserverVersion(raw)) } }

    /// Runs one statement with its values passed separately (`PQsendQueryParams`), never
    /// spliced into the SQL text. A statement still running at `timeout` is cancelled.
    @discardableResult
    public func query(
        _ sql: String, _ parameters: [String?] = [], timeout: Duration = .seconds(60)
    ) async throws(WardenError) -> QueryResult {
        let outcome: Result<QueryResult, WardenError> = await DedicatedThread.run { [self] in
            lock.withLock { _ in runBlocking(sql: sql, parameters: parameters, simpleProtocol: false, timeout: timeout)
            }
        }
        return try outcome.get()
    }

    /// Runs a fixed script of several statements (DDL) that contains no values; anything
    /// with a value goes through `query(_:_:timeout:)`.
    public func executeScript(_ sql: StaticString, timeout: Duration = .seconds(60)) async throws(WardenError) {
        let text = sql.description
        let outcome: Result<QueryResult, WardenError> = await DedicatedThread.run { [self] in
            lock.withLock { _ in runBlocking(sql: text, parameters: [], simpleProtocol: true, timeout: timeout) }
        }
        _ = try outcome.get()
    }

    /// Sends one pgbouncer admin console command with the simple query protocol, the only one
    /// the console speaks. The text comes from ``PoolerCommand`` alone (fixed commands and
    /// validated, double-quoted database names), never from free text. A command still running
    /// at `timeout` (a `PAUSE` waiting for transactions) fails and leaves the connection broken.
    @discardableResult
    public func adminCommand(_ command: PoolerCommand, timeout: Duration = .seconds(5)) async throws(WardenError)
        -> QueryResult
    {
        let text = command.text
        let outcome: Result<QueryResult, WardenError> = await DedicatedThread.run { [self] in
            lock.withLock { _ in runBlocking(sql: text, parameters: [], simpleProtocol: true, timeout: timeout) }
        }
        return try outcome.get()
    }

    private func runBlocking(
        sql: String, parameters: [String?], simpleProtocol: Bool, timeout: Duration
    ) -> Result<QueryResult, WardenError> {
        let deadline = ContinuousClock.now + timeout
        let sent = simpleProtocol ? PQsendQuery(raw, sql) : sendWithParameters(sql, parameters)
        guard sent == 1 else {
            return .failure(queryError(String(cString: PQerrorMessage(raw)), sql: sql))
        }
        var cancelled = false
        while PQisBusy(raw) == 1 {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero {
                if cancelled {
                    // The server ignored the cancel (it is hung): give the connection up.
                    broken.store(true, ordering: .relaxed)
                    return .failure(
                        WardenError(
                            "query timed out after \(timeout.secondsText) and the server did not answer the cancel request",
                            detail: "query: \(sql.prefix(200))", exitStatus: .dbQuery))
                }
                cancel()
                cancelled = true
                continue
            }
            let wait = cancelled ? min(remaining.milliseconds, 1000) : min(remaining.milliseconds, 200)
            if let message = readInput(waitingUpTo: wait) { return .failure(queryError(message, sql: sql)) }
        }
        var failure: WardenError?
        var final: QueryResult?
        while true {
            // Every result after the first is waited for with the same deadline: after an error
            // libpq waits for the server's ReadyForQuery, and a backend ended by a FATAL error never
            // sends it (PostgreSQL 15 may even keep its socket open, inherited by a program that
            // backend started, so no end of file arrives either).
            while PQisBusy(raw) == 1 {
                let remaining = deadline - ContinuousClock.now
                if remaining <= .zero {
                    broken.store(true, ordering: .relaxed)
                    return .failure(
                        failure
                            ?? WardenError(
                                "query timed out after \(timeout.secondsText) while reading its results",
                                detail: "query: \(sql.prefix(200))", exitStatus: .dbQuery))
                }
                if let message = readInput(waitingUpTo: min(remaining.milliseconds, 200)) {
                    return .failure(failure ?? queryError(message, sql: sql))
                }
            }
            guard let result = PQgetResult(raw) else { break }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            switch status {
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                final = Self.decode(result)
            default:
                if failure == nil {
                    let message =
                        cancelled
                        ? "query timed out after \(timeout.secondsText) and was cancelled"
                        : Self.errorMessage(of: result)
                    failure = queryError(message, sql: sql)
                }
                if Self.endsSession(result) {
                    // The server ended the session ("terminating connection due to administrator
                    // command", a shutdown, ...): nothing more will come.
                    broken.store(true, ordering: .relaxed)
                    return .failure(failure ?? queryError(Self.errorMessage(of: result), sql: sql))
                }
            }
        }
        if let failure { return .failure(failure) }
        return .success(final ?? QueryResult(columns: [], values: [], affectedRows: 0))
    }

    /// True when `result` is an error of severity FATAL or PANIC: the server closes the session.
    private static func endsSession(_ result: OpaquePointer) -> Bool {
        guard let field = PQresultErrorField(result, Int32(UInt8(ascii: "V"))) else { return false }
        let severity = String(cString: field)
        return severity == "FATAL" || severity == "PANIC"
    }

    /// Waits up to `milliseconds` for the server to answer and reads what arrived. Returns the
    /// error when the socket or the connection failed; the connection is then given up.
    private func readInput(waitingUpTo milliseconds: Int64) -> String? {
        var descriptor = pollfd(fd: PQsocket(raw), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(milliseconds))
        var failure: String?
        if ready < 0 && errno != EINTR {
            failure = "poll() failed: \(String(cString: strerror(errno)))"
        } else if ready > 0 && PQconsumeInput(raw) == 0 {
            failure = String(cString: PQerrorMessage(raw))
        }
        if failure != nil { broken.store(true, ordering: .relaxed) }
        return failure
    }

    /// Sends `sql` with its parameters (extended protocol, text format); libpq's 1 on success.
    private func sendWithParameters(_ sql: String, _ parameters: [String?]) -> Int32 {
        let cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { cStrings.forEach { free($0) } }
        let pointers = cStrings.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { buffer in
            PQsendQueryParams(raw, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
    }

    /// One statement of a ``pipeline(_:timeout:)``.
    public struct Statement: Sendable {
        public var sql: String
        public var parameters: [String?]

        public init(_ sql: String, _ parameters: [String?] = []) {
            self.sql = sql
            self.parameters = parameters
        }
    }

    /// Runs `statements` in one round trip (libpq's pipeline mode) and returns one outcome per
    /// statement. Each runs in a transaction of its own, so one failing does not abort the others.
    /// Throws only when the connection fails or the whole batch takes longer than `timeout`; the
    /// connection is then given up (a half-read pipeline cannot be reused).
    public func pipeline(_ statements: [Statement], timeout: Duration = .seconds(60)) async throws(WardenError)
        -> [Result<QueryResult, WardenError>]
    {
        let outcome: Result<[Result<QueryResult, WardenError>], WardenError> = await DedicatedThread.run { [self] in
            lock.withLock { _ in runPipelineBlocking(statements, timeout: timeout) }
        }
        return try outcome.get()
    }

    private func runPipelineBlocking(_ statements: [Statement], timeout: Duration)
        -> Result<[Result<QueryResult, WardenError>], WardenError>
    {
        let deadline = ContinuousClock.now + timeout
        let batch = "pipeline of \(statements.count) statements"
        guard PQenterPipelineMode(raw) == 1 else {
            return .failure(queryError(String(cString: PQerrorMessage(raw)), sql: batch))
        }
        func giveUp(_ message: String) -> Result<[Result<QueryResult, WardenError>], WardenError> {
            broken.store(true, ordering: .relaxed)
            return .failure(queryError(message, sql: batch))
        }
        for statement in statements {
            guard sendWithParameters(statement.sql, statement.parameters) == 1, PQpipelineSync(raw) == 1 else {
                return giveUp(String(cString: PQerrorMessage(raw)))
            }
        }
        var outcomes: [Result<QueryResult, WardenError>] = []
        var current: Result<QueryResult, WardenError>?
        while outcomes.count < statements.count {
            while PQisBusy(raw) == 1 {
                let remaining = deadline - ContinuousClock.now
                if remaining <= .zero { return giveUp("query timed out after \(timeout.secondsText)") }
                if let message = readInput(waitingUpTo: min(remaining.milliseconds, 200)) { return giveUp(message) }
            }
            // nil ends one statement's results; its sync point follows.
            guard let result = PQgetResult(raw) else { continue }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_PIPELINE_SYNC:
                outcomes.append(current ?? .success(QueryResult(columns: [], values: [], affectedRows: 0)))
                current = nil
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                if current == nil { current = .success(Self.decode(result)) }
            default:
                current = .failure(queryError(Self.errorMessage(of: result), sql: statements[outcomes.count].sql))
            }
        }
        _ = PQexitPipelineMode(raw)
        return .success(outcomes)
    }

    /// A failed result's message without libpq's "ERROR:  " prefix.
    private static func errorMessage(of result: OpaquePointer) -> String {
        let message = String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
        return message.hasPrefix("ERROR:  ") ? String(message.dropFirst(8)) : message
    }

    /// Sends a cancel request on a thread of its own: PQcancel opens a new connection with a
    /// blocking connect, which to a host whose packets are dropped takes minutes; the query's own
    /// wait (one more second, see ``runBlocking``) must not wait for that.
    private func cancel() {
        guard let handle = PQgetCancel(raw) else { return }
        let request = CancelRequest(handle: handle)
        Thread.detachNewThread {
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(request.handle, &buffer, Int32(buffer.count))
            PQfreeCancel(request.handle)
        }
    }

    private func queryError(_ message: String, sql: String) -> WardenError {
        WardenError(message, detail: "query: \(sql.prefix(200))", exitStatus: .dbQuery)
    }

    private static func decode(_ result: OpaquePointer) -> QueryResult {
        let fieldCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = (0..<fieldCount).map { String(cString: PQfname(result, Int32($0))) }
        var values: [[String?]] = []
        values.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            values.append(
                (0..<fieldCount).map { column in
                    PQgetisnull(result, Int32(row), Int32(column)) == 1
                        ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
                })
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columns: columns, values: values, affectedRows: affected)
    }
}

extension Duration {
    var milliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }

    /// "2 s" or "0.3 s".
    var secondsText: String {
        let total = Double(milliseconds) / 1000
        return total == total.rounded() ? "\(Int(total)) s" : String(format: "%.1f s", total)
    }
}

/// A libpq cancel handle handed to the thread that sends it (libpq allows PQcancel from any thread).
private struct CancelRequest: @unchecked Sendable {
    let handle: OpaquePointer
}
