import Foundation

/// The verdict of one `node check` check, with the Nagios plugin meaning of each value.
public enum NodeCheckStatus: Int, Sendable, Equatable, Comparable, CaseIterable {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    /// `OK`, `WARNING`, `CRITICAL` or `UNKNOWN`, as printed.
    public var label: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    /// The process exit code a Nagios plugin gives for this verdict (0–3). repmgr exits with it
    /// whenever a single check is run, with or without `--nagios`. (``ExitStatus`` has a case for
    /// every number; only the number matters here.)
    public var nagiosExitStatus: ExitStatus { ExitStatus(rawValue: Int32(rawValue)) ?? .nodeStatus }

    public static func < (lhs: NodeCheckStatus, rhs: NodeCheckStatus) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// One of the checks of `node check`, in the order repmgr runs them when several individual
/// check options are given (the first one wins).
public enum NodeCheckKind: String, Sendable, Equatable, CaseIterable {
    case archiveReady
    case upstream
    case downstream
    case replicationLag
    case role
    case slots
    case missingSlots
    case dataDirectoryConfig
    case repmgrd

    /// The checks of a plain `node check`, in output order (the daemon check is not among them).
    public static let overview: [NodeCheckKind] = [
        .role, .replicationLag, .archiveReady, .upstream, .downstream, .slots, .missingSlots,
        .dataDirectoryConfig,
    ]

    /// The command-line option that selects the check alone, e.g. `--replication-lag`.
    public var option: String {
        switch self {
        case .archiveReady: "--archive-ready"
        case .upstream: "--upstream"
        case .downstream: "--downstream"
        case .replicationLag: "--replication-lag"
        case .role: "--role"
        case .slots: "--slots"
        case .missingSlots: "--missing-slots"
        case .dataDirectoryConfig: "--data-directory-config"
        case .repmgrd: "--repmgrd"
        }
    }

    /// The name of the check in the overview, e.g. `Server role`.
    public var title: String {
        switch self {
        case .archiveReady: "WAL archiving"
        case .upstream: "Upstream connection"
        case .downstream: "Downstream servers"
        case .replicationLag: "Replication lag"
        case .role: "Server role"
        case .slots: "Replication slots"
        case .missingSlots: "Missing physical replication slots"
        case .dataDirectoryConfig: "Configured data directory"
        case .repmgrd: "repmgrd"
        }
    }

    /// The service name of the `--nagios` line, e.g. `REPMGR_SERVER_ROLE`.
    public var nagiosLabel: String {
        switch self {
        case .archiveReady: "REPMGR_ARCHIVE_READY"
        case .upstream: "REPMGR_UPSTREAM_SERVER"
        case .downstream: "REPMGR_DOWNSTREAM_SERVERS"
        case .replicationLag: "REPMGR_REPLICATION_LAG"
        case .role: "REPMGR_SERVER_ROLE"
        case .slots: "REPMGR_INACTIVE_SLOTS"
        case .missingSlots: "REPMGR_MISSING_SLOTS"
        case .dataDirectoryConfig: "REPMGR_DATA_DIRECTORY"
        case .repmgrd: "REPMGRD"
        }
    }

    /// Whether the `--csv` overview shows the detail text (repmgr leaves it out for lag and
    /// archiving) and whether it shows the check at all (it leaves out the upstream check).
    var csvDetail: Bool { self != .replicationLag && self != .archiveReady }
    var inCSV: Bool { self != .upstream }
}

/// The outcome of one check, with the texts of every output format.
public struct NodeCheckResult: Sendable, Equatable {
    /// Which check.
    public var kind: NodeCheckKind
    /// Its verdict.
    public var status: NodeCheckStatus
    /// The text shown in brackets: `OK (node is primary)`.
    public var detail: String
    /// The text after `STATUS: ` in a `--nagios` line (without performance data).
    public var nagiosDetail: String
    /// Nagios performance data shown after ` | `, e.g. `lag=0;300;600`, when the check has any.
    public var perfdata: String?

    /// Describes a result; `nagiosDetail` defaults to `detail`.
    public init(
        kind: NodeCheckKind, status: NodeCheckStatus, detail: String, nagiosDetail: String? = nil,
        perfdata: String? = nil
    ) {
        self.kind = kind
        self.status = status
        self.detail = detail
        self.nagiosDetail = nagiosDetail ?? detail
        self.perfdata = perfdata
    }

    /// The output of a single check without `--nagios`: `OK (node is primary)`.
    public var textLine: String { "\(status.label) (\(detail))" }

    /// The output of a single check with `--nagios`:
    /// `REPMGR_REPLICATION_LAG OK: 0 seconds | lag=0;300;600`.
    public var nagiosLine: String {
        "\(kind.nagiosLabel) \(status.label): \(nagiosDetail)" + (perfdata.map { " | \($0)" } ?? "")
    }

    /// The check's line in the overview: `\tServer role: OK (node is primary)`.
    public var overviewLine: String {
        "\t\(kind.title): \(status.label)" + (detail.isEmpty ? "" : " (\(detail))")
    }

    /// The check's line in the `--csv` overview, nil for checks repmgr leaves out.
    public var csvLine: String? {
        guard kind.inCSV else { return nil }
        let text = kind.csvDetail ? detail : ""
        return "\"\(kind.title)\",\"\(status.label)\"" + (text.isEmpty ? "" : ",\"\(text)\"")
    }
}

/// The results of `node check` for one node.
public struct NodeCheckReport: Sendable, Equatable {
    /// The checked node's name.
    public var nodeName: String
    /// The checked node's ID.
    public var nodeID: Int
    /// One result per check run, in the order they were asked for.
    public var results: [NodeCheckResult]
    /// Remarks for the user (e.g. that a fallback was used), not part of the report itself.
    public var messages: [OperationMessage]

    /// Describes a report.
    public init(
        nodeName: String, nodeID: Int, results: [NodeCheckResult], messages: [OperationMessage] = []
    ) {
        self.nodeName = nodeName
        self.nodeID = nodeID
        self.results = results
        self.messages = messages
    }

    /// The overview: `Node "node1":` and one tab-indented line per check.
    public var lines: [String] {
        ["Node \"\(nodeName)\":"] + results.map(\.overviewLine)
    }

    /// The `--csv` overview: `"Node name","node1"`, `"Node ID","1"`, then `"Check","STATUS","detail"`.
    public var csvLines: [String] {
        ["\"Node name\",\"\(nodeName)\"", "\"Node ID\",\"\(nodeID)\""] + results.compactMap(\.csvLine)
    }

    /// 0 when every check is OK, else 25 (`ERR_NODE_STATUS`).
    public var exitStatus: ExitStatus {
        results.allSatisfy { $0.status == .ok } ? .success : .nodeStatus
    }

    /// The worst verdict.
    public var worstStatus: NodeCheckStatus { results.map(\.status).max() ?? .ok }
}

/// repmgr 5.3's `node check`: health checks of the local node from a replication point of
/// view. Gathering talks to servers; the evaluators (`role(...)`, `replicationLag(...)`, ...)
/// are pure functions of the facts, with repmgr's wording and thresholds.
public enum NodeCheck {
    /// Runs `kinds` against the local node. Only what those checks need is read; the upstream
    /// check connects to the upstream node, and a failure to connect there is an error (exit
    /// code 6), as in repmgr. The local node must have a record in `repmgr.nodes`.
    public static func run(
        _ kinds: [NodeCheckKind], configuration: NodeConfiguration, conninfo: Conninfo
    )
        async throws(WardenError) -> NodeCheckReport
    {
        let connection = try await PostgresConnection.connect(conninfo, readOnly: true)
        let local = try await LocalNodeFacts.read(connection, configuration: configuration)
        guard let node = local.record else {
            throw WardenError(
                "no record found for node \(configuration.nodeID)",
                hint:
                    "register the node first (\"pgwarden primary register\" or \"pgwarden standby register\")",
                exitStatus: .badConfig)
        }
        var messages: [OperationMessage] = []
        var results: [NodeCheckResult] = []
        for kind in kinds {
            switch kind {
            case .role:
                results.append(role(type: node.type, inRecovery: local.inRecovery))
            case .replicationLag:
                var lag: Int? = 0
                if local.inRecovery { lag = try await replicationLagSeconds(connection) }
                results.append(
                    replicationLag(
                        type: node.type, inRecovery: local.inRecovery, lagSeconds: lag,
                        warning: configuration.replicationLagWarning,
                        critical: configuration.replicationLagCritical))
            case .archiveReady:
                results.append(
                    archiveReady(
                        pendingFiles: local.pendingArchiveFiles, warning: configuration.archiveReadyWarning,
                        critical: configuration.archiveReadyCritical))
            case .upstream:
                let state = try await upstreamState(
                    of: node, nodes: local.nodes, configuration: configuration, local: connection)
                results.append(upstream(node: node, inRecovery: local.inRecovery, state: state))
            case .downstream:
                results.append(downstream(type: node.type, children: local.downstream))
            case .slots:
                results.append(
                    slots(
                        total: local.physicalSlots.count,
                        inactive: local.physicalSlots.filter { !$0.active }.count))
            case .missingSlots:
                results.append(missingSlots(local.missingSlots))
            case .dataDirectoryConfig:
                let observed = await dataDirectory(connection, configured: configuration.dataDirectory)
                if case .notReadable = observed {
                    messages.append(
                        OperationMessage(
                            .info, "connection is not a superuser connection, falling back to simple check",
                            hint:
                                "provide a superuser, or add the \"\(conninfo.user ?? "repmgr")\" user to role \"pg_read_all_settings\" or \"pg_monitor\""
                        ))
                }
                results.append(
                    dataDirectoryConfig(configured: configuration.dataDirectory, observed: observed))
            case .repmgrd:
                let status = LocalDaemonStatus.read(from: StateDirectory(configuration: configuration))
                let paused = try await DaemonPauseState.read(Catalog(connection: connection))
                    .contains(node.nodeName)
                let facts = DaemonFacts(
                    pid: DaemonProcess.runningPID(for: configuration), statusWrittenAt: status?.updatedAt,
                    statusPID: status?.pid, paused: paused, isPrimary: !local.inRecovery && node.type == .primary,
                    staleAfter: TimeInterval(3 * max(configuration.monitorIntervalSeconds, 1)))
                results.append(daemon(facts, now: Date()))
            }
        }
        return NodeCheckReport(
            nodeName: node.nodeName, nodeID: node.nodeID, results: results, messages: messages)
    }

    // MARK: - Gathering

    /// repmgr's lag measure on a standby: 0 when everything received is replayed, else seconds
    /// since the last replayed transaction; nil when that cannot be known.
    static func replicationLagSeconds(_ connection: PostgresConnection) async throws(WardenError)
        -> Int?
    {
        let result = try await connection.query(
            """
            SELECT CASE WHEN pg_catalog.pg_last_wal_receive_lsn() = pg_catalog.pg_last_wal_replay_lsn() THEN 0
                        ELSE EXTRACT(epoch FROM (pg_catalog.clock_timestamp()
                                                 - pg_catalog.pg_last_xact_replay_timestamp()))::int
                   END AS lag_seconds
            """, timeout: LocalNodeFacts.queryTimeout)
        return result.first?.int("lag_seconds")
    }

    /// Where the local node's upstream stands, as the upstream check sees it.
    public enum UpstreamState: Sendable, Equatable {
        /// The record names no upstream, or one without a record.
        case noRecord
        /// The upstream has a streaming replication connection named after the local node.
        case attached(NodeRecord)
        /// The upstream has no such connection.
        case notAttached(NodeRecord)
    }

    static func upstreamState(
        of node: NodeRecord, nodes: [NodeRecord], configuration: NodeConfiguration,
        local: PostgresConnection
    ) async throws(WardenError) -> UpstreamState {
        guard node.type != .witness, let upstreamID = node.upstreamNodeID,
            let upstream = nodes.first(where: { $0.nodeID == upstreamID })
        else { return .noRecord }
        let connection = try await PostgresConnection.connect(
            Conninfo(parsing: upstream.conninfo), readOnly: true)
        let result = try await connection.query(
            "SELECT state FROM pg_catalog.pg_stat_replication WHERE application_name = $1",
            [configuration.nodeName], timeout: LocalNodeFacts.queryTimeout)
        let states = result.rows.map { $0.string("state") }
        if states.contains("streaming") { return .attached(upstream) }
        if !states.isEmpty && states.allSatisfy({ $0 == nil }) {
            // The upstream hides the state from users without pg_read_all_stats: ask the local WAL receiver.
            let receiver = try await local.query(
                "SELECT status FROM pg_catalog.pg_stat_wal_receiver", timeout: LocalNodeFacts.queryTimeout)
            if receiver.first?.string("status") == "streaming" { return .attached(upstream) }
        }
        return .notAttached(upstream)
    }

    /// What the server says its data directory is.
    public enum DataDirectoryObservation: Sendable, Equatable {
        /// `SHOW data_directory` answered.
        case actual(String)
        /// The setting is hidden from this user; whether the configured directory holds a
        /// `PG_VERSION` file was checked instead.
        case notReadable(configuredLooksLikeDataDirectory: Bool)
    }

    static func dataDirectory(_ connection: PostgresConnection, configured: String) async
        -> DataDirectoryObservation
    {
        if let result = try? await connection.query(
            "SELECT pg_catalog.current_setting('data_directory') AS data_directory",
            timeout: LocalNodeFacts.queryTimeout),
            let actual = result.first?.string("data_directory")
        {
            return .actual(actual)
        }
        let versionFile = URL(fileURLWithPath: configured).appendingPathComponent("PG_VERSION").path
        return .notReadable(
            configuredLooksLikeDataDirectory: FileManager.default.fileExists(atPath: versionFile))
    }

    // MARK: - Evaluation

    /// `--role`: the registered type against the recovery state.
    public static func role(type: NodeType, inRecovery: Bool) -> NodeCheckResult {
        switch type {
        case .primary where inRecovery:
            NodeCheckResult(
                kind: .role, status: .critical,
                detail: "node is registered as primary but running as standby")
        case .standby where !inRecovery:
            NodeCheckResult(
                kind: .role, status: .critical,
                detail: "node is registered as standby but running as primary")
        case .witness where inRecovery:
            NodeCheckResult(
                kind: .role, status: .critical,
                detail: "node is registered as witness but running as standby")
        case .primary, .standby, .witness:
            NodeCheckResult(kind: .role, status: .ok, detail: "node is \(type.rawValue)")
        case .bdr:
            NodeCheckResult(kind: .role, status: .ok, detail: "")
        }
    }

    /// `--replication-lag`: critical at or above `critical` seconds, warning above `warning`;
    /// a node not in recovery has no lag ("N/A" in text, 0 for Nagios).
    public static func replicationLag(
        type: NodeType, inRecovery: Bool, lagSeconds: Int?, warning: Int, critical: Int
    ) -> NodeCheckResult {
        guard inRecovery else {
            return NodeCheckResult(
                kind: .replicationLag, status: .ok,
                detail: type == .witness ? "N/A - node is witness" : "N/A - node is primary",
                nagiosDetail: "0 seconds", perfdata: "lag=0;\(warning);\(critical)")
        }
        guard let lag = lagSeconds, lag >= 0 else {
            return NodeCheckResult(
                kind: .replicationLag, status: .unknown, detail: "unable to query replication lag")
        }
        let perfdata = "lag=\(lag);\(warning);\(critical)"
        let seconds = "\(lag) seconds"
        if lag >= critical {
            return NodeCheckResult(
                kind: .replicationLag, status: .critical,
                detail: "\(seconds), critical threshold: \(critical)",
                nagiosDetail: seconds, perfdata: perfdata)
        }
        if lag > warning {
            return NodeCheckResult(
                kind: .replicationLag, status: .warning,
                detail: "\(seconds), warning threshold: \(warning)",
                nagiosDetail: seconds, perfdata: perfdata)
        }
        return NodeCheckResult(kind: .replicationLag, status: .ok, detail: seconds, perfdata: perfdata)
    }

    /// `--archive-ready`: critical above `critical` pending `.ready` files, warning above `warning`.
    public static func archiveReady(pendingFiles: Int?, warning: Int, critical: Int)
        -> NodeCheckResult
    {
        guard let files = pendingFiles, files >= 0 else {
            return NodeCheckResult(
                kind: .archiveReady, status: .unknown, detail: "unable to check archive_status directory")
        }
        let text = "\(files) pending archive ready files"
        let perfdata = "files=\(files);\(warning);\(critical)"
        if files > critical {
            return NodeCheckResult(
                kind: .archiveReady, status: .critical, detail: "\(text), critical threshold: \(critical)",
                nagiosDetail: text, perfdata: perfdata)
        }
        if files > warning {
            return NodeCheckResult(
                kind: .archiveReady, status: .warning, detail: "\(text) (threshold: \(warning))",
                nagiosDetail: text, perfdata: perfdata)
        }
        return NodeCheckResult(kind: .archiveReady, status: .ok, detail: text, perfdata: perfdata)
    }

    /// `--upstream`: whether the node streams from the upstream its record names.
    public static func upstream(node: NodeRecord, inRecovery: Bool, state: UpstreamState)
        -> NodeCheckResult
    {
        if node.type == .witness {
            return NodeCheckResult(kind: .upstream, status: .ok, detail: "N/A - node is a witness")
        }
        let name = "node \"\(node.nodeName)\" (ID: \(node.nodeID))"
        switch state {
        case .noRecord:
            if inRecovery {
                return NodeCheckResult(
                    kind: .upstream, status: .critical,
                    detail: "\(name) is a standby but no upstream record found")
            }
            return NodeCheckResult(kind: .upstream, status: .ok, detail: "N/A - node is primary")
        case .attached(let upstream):
            return NodeCheckResult(
                kind: .upstream, status: .ok,
                detail:
                    "\(name) is attached to expected upstream node \"\(upstream.nodeName)\" (ID: \(upstream.nodeID))"
            )
        case .notAttached(let upstream):
            return NodeCheckResult(
                kind: .upstream, status: .critical,
                detail:
                    "\(name) is not attached to expected upstream node \"\(upstream.nodeName)\" (ID: \(upstream.nodeID))"
            )
        }
    }

    /// `--downstream`: every registered downstream node (witnesses excluded) must be streaming.
    public static func downstream(type: NodeType, children: [DownstreamAttachment]) -> NodeCheckResult {
        let missing = children.filter { !$0.attached }
        let attachedCount = children.count - missing.count
        let perfdata = "attached=\(attachedCount), missing=\(missing.count)"
        if type == .witness {
            return NodeCheckResult(
                kind: .downstream, status: .ok, detail: "N/A - node is a witness", perfdata: perfdata)
        }
        if missing.isEmpty {
            let text =
                children.isEmpty
                ? "this node has no downstream nodes"
                : "\(attachedCount) of \(children.count) downstream nodes attached"
            return NodeCheckResult(kind: .downstream, status: .ok, detail: text, perfdata: perfdata)
        }
        let text = "\(missing.count) of \(children.count) downstream nodes not attached"
        let names = missing.map(\.label).joined(separator: ", ")
        return NodeCheckResult(
            kind: .downstream, status: .critical, detail: "\(text); missing: \(names)",
            nagiosDetail: "\(text) (missing: \(names))", perfdata: perfdata)
    }

    /// `--slots`: any inactive physical replication slot is critical (WAL piles up behind it).
    public static func slots(total: Int, inactive: Int) -> NodeCheckResult {
        let perfdata = "slots=\(total);\(inactive)"
        if total == 0 {
            return NodeCheckResult(
                kind: .slots, status: .ok, detail: "node has no physical replication slots",
                perfdata: perfdata)
        }
        if inactive == 0 {
            return NodeCheckResult(
                kind: .slots, status: .ok,
                detail: "\(total) of \(total) physical replication slots are active",
                perfdata: perfdata)
        }
        return NodeCheckResult(
            kind: .slots, status: .critical,
            detail: "\(inactive) of \(total) physical replication slots are inactive",
            perfdata: perfdata)
    }

    /// `--missing-slots`: registered standbys of this node whose slot does not exist.
    public static func missingSlots(_ missing: [MissingSlot]) -> NodeCheckResult {
        if missing.isEmpty {
            return NodeCheckResult(
                kind: .missingSlots, status: .ok, detail: "node has no missing physical replication slots",
                perfdata: "missing_slots=0")
        }
        let names = missing.map(\.slotName)
        return NodeCheckResult(
            kind: .missingSlots, status: .critical,
            detail:
                "\(missing.count) physical replication slots are missing: \(names.joined(separator: ", "))",
            perfdata: "missing_slots=\(missing.count);\(names.joined(separator: ","))")
    }

    /// `--data-directory-config`: the configured `data_directory` must be the server's.
    public static func dataDirectoryConfig(configured: String, observed: DataDirectoryObservation)
        -> NodeCheckResult
    {
        let configuredText = "configured \"data_directory\" is \"\(configured)\""
        switch observed {
        case .actual(let actual) where normalized(actual) == normalized(configured):
            return NodeCheckResult(
                kind: .dataDirectoryConfig, status: .ok, detail: configuredText, nagiosDetail: configured)
        case .actual(let actual):
            let difference = "actual data directory is \"\(actual)\""
            return NodeCheckResult(
                kind: .dataDirectoryConfig, status: .critical, detail: "\(configuredText); \(difference)",
                nagiosDetail: configured, perfdata: difference)
        case .notReadable(let looksRight):
            if looksRight {
                return NodeCheckResult(
                    kind: .dataDirectoryConfig, status: .ok, detail: configuredText, nagiosDetail: configured)
            }
            return NodeCheckResult(
                kind: .dataDirectoryConfig, status: .critical,
                detail:
                    "configured \"data_directory\" \"\(configured)\" is not a PostgreSQL data directory",
                nagiosDetail: configured,
                perfdata: "configured \"data_directory\" is not a PostgreSQL data directory")
        }
    }

    /// `--repmgrd`: pgwarden has no daemon to ask yet, so the answer is UNKNOWN rather than a guess.
    /// What `--repmgrd` looks at: the daemon process named by the PID file, the status it writes
    /// into its state directory every monitoring interval, whether it is paused, and the node's role.
    public struct DaemonFacts: Sendable, Equatable {
        public var pid: Int32?
        /// When the daemon last wrote its status, and the PID that wrote it.
        public var statusWrittenAt: Date?
        public var statusPID: Int?
        public var paused: Bool
        public var isPrimary: Bool
        /// A daemon that has not written its status for this long is stalled.
        public var staleAfter: TimeInterval

        public init(
            pid: Int32?, statusWrittenAt: Date?, statusPID: Int?, paused: Bool, isPrimary: Bool,
            staleAfter: TimeInterval
        ) {
            self.pid = pid
            self.statusWrittenAt = statusWrittenAt
            self.statusPID = statusPID
            self.paused = paused
            self.isPrimary = isPrimary
            self.staleAfter = staleAfter
        }
    }

    /// repmgr's `--repmgrd` (running, or paused: WARNING), and what repmgr cannot tell: a daemon
    /// whose process exists but which stopped working (SIGSTOP, a hang). Its status file and the
    /// check read the same host's clock. A stalled primary daemon is CRITICAL: it can neither
    /// renew nor give up the lease, so it cannot fence its server if the node is cut off.
    public static func daemon(_ facts: DaemonFacts, now: Date) -> NodeCheckResult {
        guard let pid = facts.pid else {
            return NodeCheckResult(kind: .repmgrd, status: .critical, detail: "repmgrd not running")
        }
        let age = facts.statusWrittenAt.map { max(now.timeIntervalSince($0), 0) }
        if facts.statusPID != Int(pid) || (age ?? .infinity) >= facts.staleAfter {
            let since = age.map { "has not reported for \(Int($0)) seconds" } ?? "has not reported yet"
            let consequence =
                facts.isPrimary
                ? "; it cannot fence this primary if the node is cut off (see the README: the daemon stopped)" : ""
            return NodeCheckResult(
                kind: .repmgrd, status: .critical,
                detail: "repmgrd running (PID \(pid)) but \(since): stopped or hung\(consequence)")
        }
        if facts.paused {
            return NodeCheckResult(kind: .repmgrd, status: .warning, detail: "repmgrd running but paused")
        }
        return NodeCheckResult(kind: .repmgrd, status: .ok, detail: "repmgrd running")
    }

    private static func normalized(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
