import Foundation

/// How daemons talk to each other without SSH or another open port: through the nodes' own
/// PostgreSQL servers. Each daemon owns a directory on its host; another daemon delivers a
/// message by asking that node's server (superuser, `COPY ... TO PROGRAM` via ``ServerHost``)
/// to write it there, and reads the daemon's published report with `pg_read_file`. Only a
/// client authenticated as the cluster's superuser can do either, which is the channel's
/// authentication. The directory is named after the server's system identifier, port and the
/// node ID, which a sender learns through the same connection, so neither another server on
/// the host nor an earlier cluster that used the same port can share it.
public struct DaemonMailbox: Sendable {
    public let directory: String

    public init(root: String, systemIdentifier: String, node: NodeRecord) {
        directory = Self.directory(root: root, systemIdentifier: systemIdentifier, node: node)
    }

    /// The mailbox directory of `node` on its own host.
    public static func directory(root: String, systemIdentifier: String, node: NodeRecord) -> String {
        let port = (try? Conninfo(parsing: node.conninfo))?.port ?? "5432"
        return "\(root)/\(systemIdentifier)-port\(port)-node\(node.nodeID)"
    }

    /// The system identifier of the server behind `connection`.
    public static func systemIdentifier(of connection: PostgresConnection) async throws(WardenError) -> String {
        try await connection.query("SELECT system_identifier::text AS id FROM pg_catalog.pg_control_system()")
            .first?.string("id") ?? "unknown"
    }

    /// `/tmp/pgwarden-mailbox` unless `TMPDIR` says otherwise.
    public static var defaultRoot: String {
        (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/pgwarden-mailbox"
    }

    var reportPath: String { Self.reportPath(in: directory) }
    var votePath: String { directory + "/vote.json" }

    public func prepare() throws(WardenError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw WardenError(
                "unable to create the daemon mailbox \"\(directory)\": \(error.localizedDescription)",
                exitStatus: .badConfig)
        }
    }

    /// Takes the messages delivered so far, oldest first.
    public func receive() -> [DaemonMessage] {
        let manager = FileManager.default
        let names = ((try? manager.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("msg-") && $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            let path = directory + "/" + name
            defer { try? manager.removeItem(atPath: path) }
            guard let data = manager.contents(atPath: path) else { return nil }
            return try? JSONDecoder().decode(DaemonMessage.self, from: data)
        }
    }

    /// Publishes this daemon's report for its peers: written to a temporary file and renamed, so
    /// a reader never sees half of it, but not synced to disk — it is rewritten every monitoring
    /// interval and worthless after a crash, and an fsync each time was most of an idle daemon's CPU.
    public func publish(_ report: PeerReport) {
        guard let data = try? JSONEncoder().encode(report) else { return }
        let temporary = reportPath + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        if written == data.count { rename(temporary, reportPath) }
    }

    /// Removes the published report at a clean shutdown: a peer that then finds none knows this
    /// daemon is stopped, not stalled (``PeerView/reportMissing``).
    public func withdrawReport() {
        unlink(reportPath)
    }

    /// The vote this node gave last, kept across restarts.
    public func loadVote() -> VoteRecord? {
        FileManager.default.contents(atPath: votePath).flatMap { try? JSONDecoder().decode(VoteRecord.self, from: $0) }
    }

    /// Stores the vote durably before any reply leaves.
    public func saveVote(_ vote: VoteRecord) throws(WardenError) {
        do {
            let data = try JSONEncoder().encode(vote)
            try data.write(to: URL(fileURLWithPath: votePath), options: .atomic)
            if let handle = FileHandle(forUpdatingAtPath: votePath) {
                try handle.synchronize()
                try handle.close()
            }
        } catch {
            throw WardenError("unable to store the vote: \(error.localizedDescription)", exitStatus: .internalError)
        }
    }

    /// Delivers `message` into `peer`'s mailbox through the peer's own server.
    public static func send(
        _ message: DaemonMessage, to peerDirectory: String, via connection: PostgresConnection
    ) async throws(WardenError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(message)
        } catch {
            throw WardenError("unable to encode a daemon message", exitStatus: .internalError)
        }
        let name = "msg-\(Int(Date().timeIntervalSince1970 * 1000))-\(UUID().uuidString).json"
        let directory = ShellQuoting.quote(peerDirectory)
        let temporary = ShellQuoting.quote(peerDirectory + "/.tmp-" + name)
        let target = ShellQuoting.quote(peerDirectory + "/" + name)
        let json = ShellQuoting.quote(String(decoding: data, as: UTF8.self))
        _ = try await ServerHost(connection: connection).run(
            "mkdir -p \(directory) && printf '%s' \(json) > \(temporary) && mv \(temporary) \(target)",
            timeout: .seconds(3))
    }

    /// Where a peer daemon publishes its report, read through the peer's own server with
    /// `pg_read_file(path, 0, 1000000, true)` (missing file: NULL).
    public static func reportPath(in peerDirectory: String) -> String { peerDirectory + "/report.json" }

    /// A report as read from a peer; nil when it is missing or not a report.
    public static func decodeReport(_ text: String?) -> PeerReport? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(PeerReport.self, from: Data(text.utf8))
    }
}
