import Foundation

/// How daemons talk to each other without SSH or another open port: through the nodes' own
/// PostgreSQL servers. Each daemon owns a ``StateDirectory`` on its host (only the server's OS
/// user can use it); another daemon delivers a message into its `mailbox` by asking that node's
/// server (superuser, `COPY ... TO PROGRAM` via ``MessageCourier``) to write it there, and reads
/// the daemon's published report with `pg_read_file` (``PeerReportReader``), finding the
/// directory through the ``StateDirectoryPointer`` in the node's data directory.
///
/// Every message and report is sealed with the ``ClusterSecret`` (``MessageAuthenticator``):
/// one that does not open, is addressed to another node, is too old or was seen before is
/// dropped with a warning (``RejectionLog``) and never reaches the state machine.
public struct DaemonMailbox: Sendable {
    public let state: StateDirectory
    public let nodeID: Int
    let dataDirectory: String
    let authenticator: MessageAuthenticator
    let replays: ReplayGuard
    let rejections: RejectionLog

    /// The largest message or report file read.
    static let sizeLimit = 1_000_000

    public init(
        state: StateDirectory, nodeID: Int, dataDirectory: String, authenticator: MessageAuthenticator,
        rejections: RejectionLog
    ) {
        self.state = state
        self.nodeID = nodeID
        self.dataDirectory = dataDirectory
        self.authenticator = authenticator
        self.replays = authenticator.makeReplayGuard()
        self.rejections = rejections
    }

    /// The daemon's mailbox, ready: the state directory checked (created when missing), the
    /// pointer in the data directory written, the cluster secret obtained (retried every
    /// monitoring interval while no server that has it can be reached; nil when the daemon was
    /// asked to stop meanwhile).
    public static func open(
        configuration: NodeConfiguration, local: Catalog, me: NodeRecord, nodes: [NodeRecord],
        log: @escaping MessageSink, signals: DaemonSignals
    ) async throws(WardenError) -> DaemonMailbox? {
        let state = StateDirectory(configuration: configuration)
        try state.prepare()
        var secret: ClusterSecret?
        var warned = false
        while secret == nil {
            do {
                secret = try await ClusterSecret.obtain(local: local, isWitness: me.type == .witness, nodes: nodes)
            } catch {
                if signals.terminateRequested { return nil }
                if !warned {
                    log(
                        OperationMessage(.warning, "\(error.message); retrying", detail: error.detail, hint: error.hint)
                    )
                    warned = true
                }
                try? await Task.sleep(for: .seconds(max(configuration.monitorIntervalSeconds, 1)))
            }
        }
        guard let secret else { return nil }
        let mailbox = DaemonMailbox(
            state: state, nodeID: configuration.nodeID, dataDirectory: configuration.dataDirectory,
            authenticator: MessageAuthenticator(secret: secret), rejections: RejectionLog(log: log))
        do {
            try mailbox.pointer.store(in: configuration.dataDirectory)
        } catch {
            log(OperationMessage(.warning, "peers cannot find this daemon's mailbox yet: \(error.message)"))
        }
        log(OperationMessage(.info, "state directory \"\(state.path)\" checked: owned by this user, mode 0700"))
        return mailbox
    }

    /// The directory inotify watches for deliveries.
    public var directory: String { state.mailbox }

    /// What this daemon writes into its data directory so that peers find the state directory.
    var pointer: StateDirectoryPointer { StateDirectoryPointer(nodeID: nodeID, directory: state.path) }

    /// What sends this daemon's messages.
    public var courier: MessageCourier { MessageCourier(nodeID: nodeID, authenticator: authenticator) }

    /// What reads and checks the peers' reports.
    public var reportReader: PeerReportReader {
        PeerReportReader(authenticator: authenticator, rejections: rejections)
    }

    /// Takes the messages delivered so far, oldest first; those that are not authentic, not for
    /// this node, too old or replayed are dropped (and logged, see ``RejectionLog``).
    public func receive() -> [DaemonMessage] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: state.mailbox)) ?? [])
            .filter { $0.hasPrefix("msg-") && $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            let path = state.mailbox + "/" + name
            defer { unlink(path) }
            let data: Data?
            do throws(WardenError) {
                data = try SafeFile.contents(path, limit: Self.sizeLimit)
            } catch {
                rejections.dropped("a message file", .unsafeFile(reason: error.message))
                return nil
            }
            guard let data else { return nil }
            switch authenticator.openMessage(data, recipient: nodeID, replays: replays) {
            case .success(let opened): return opened.message
            case .failure(let rejection):
                rejections.dropped("a message", rejection)
                return nil
            }
        }
    }

    /// Publishes this daemon's report for its peers, sealed, replacing the last one atomically
    /// (a reader never sees half of it). Not synced to disk: it is rewritten every monitoring
    /// interval and worthless after a crash, and an fsync each time was most of an idle
    /// daemon's CPU. Also puts back the pointer in the data directory when a base backup or
    /// pg_rewind replaced it.
    public func publish(_ report: PeerReport) {
        try? pointer.store(in: dataDirectory)
        guard let data = authenticator.sealReport(report, sender: nodeID) else { return }
        try? SafeFile.replace(state.reportPath, with: data)
    }

    /// Removes the published report at a clean shutdown: a peer that then finds none knows this
    /// daemon is stopped, not stalled (``PeerView/reportMissing``).
    public func withdrawReport() {
        unlink(state.reportPath)
    }

    /// The vote this node gave last, kept across restarts.
    public func loadVote() -> VoteRecord? {
        guard let data = try? SafeFile.contents(state.votePath, limit: Self.sizeLimit) else { return nil }
        return try? JSONDecoder().decode(VoteRecord.self, from: data)
    }

    /// Stores the vote durably before any reply leaves.
    public func saveVote(_ vote: VoteRecord) throws(WardenError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(vote)
        } catch {
            throw WardenError("unable to encode the vote", exitStatus: .internalError)
        }
        do {
            try SafeFile.replace(state.votePath, with: data, durable: true)
        } catch {
            throw WardenError("unable to store the vote: \(error.message)", exitStatus: .internalError)
        }
    }
}
