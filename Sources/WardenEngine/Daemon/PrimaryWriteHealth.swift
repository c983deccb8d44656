import Synchronization

/// Tells the daemon log about metadata writes that fail because the server they went to is
/// read-only (a fenced node: `default_transaction_read_only=on`): once when that begins and once
/// when writes succeed again, not at every monitoring interval. Meanwhile the daemon's status is
/// kept in its state directory (``LocalDaemonStatus``). Other failures are logged as they come.
public final class PrimaryWriteHealth: Sendable {
    private let readOnly = Mutex(false)
    private let log: MessageSink
    private let statusPath: String

    public init(log: @escaping MessageSink, statusPath: String) {
        self.log = log
        self.statusPath = statusPath
    }

    /// SQLSTATE 25006, as libpq words it.
    static func isReadOnly(_ error: WardenError) -> Bool {
        (error.message + " " + (error.detail ?? "")).contains("read-only transaction")
    }

    /// Whether the last write failed on a read-only server.
    public var writesRefused: Bool { readOnly.withLock { $0 } }

    public func failed(_ error: WardenError) {
        guard Self.isReadOnly(error) else {
            log(OperationMessage(.warning, "unable to write to the primary: \(error.message)"))
            return
        }
        let first = readOnly.withLock { value in
            defer { value = true }
            return !value
        }
        guard first else { return }
        log(
            OperationMessage(
                .warning, "unable to write to the primary: \(error.message)",
                detail: "the server is read-only (fenced?); this daemon keeps its status in \"\(statusPath)\" "
                    + "and says so again only when writes succeed"))
    }

    public func succeeded() {
        let was = readOnly.withLock { value in
            defer { value = false }
            return value
        }
        if was { log(OperationMessage(.notice, "writes to the primary succeed again")) }
    }
}
