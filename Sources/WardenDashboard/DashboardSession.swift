import Foundation
import Synchronization
import WardenEngine

/// The dashboard's link to the cluster: it reads snapshots and node details over its own
/// read-only connections, and builds operations through the engine. In a read-only or wall
/// session it builds none: ``operation(_:for:)`` refuses, whatever the UI asks.
public final class DashboardSession: Sendable {
    public let mode: DashboardMode
    /// The node whose metadata is read first (from -f or -d).
    public let entry: Conninfo
    public let localConfiguration: NodeConfiguration?
    private let catalog: OperationCatalog
    private let pool = ConnectionPool()
    private let knownNodes = Mutex<[NodeRecord]>([])

    /// How many monitoring-history buckets a refresh reads (panes resample them to their width).
    public static let historyBuckets = 120
    /// How long the metadata read may take before the session tries another node.
    public static let metadataDeadline: Duration = .seconds(8)

    public init(entry: Conninfo, localConfiguration: NodeConfiguration?, mode: DashboardMode, catalog: OperationCatalog)
    {
        self.entry = entry
        self.localConfiguration = localConfiguration
        self.mode = mode
        self.catalog = mode.isReadOnly ? .none : catalog
    }

    /// The operations this session can build: none when read-only.
    public var availableOperations: Set<OperationKind> { mode.isReadOnly ? [] : catalog.kinds }

    /// `replication_lag_warning` / `_critical` from the local configuration (repmgr's defaults otherwise).
    public var thresholds: LagThresholds {
        guard let configuration = localConfiguration else { return LagThresholds() }
        return LagThresholds(
            warningSeconds: Double(configuration.replicationLagWarning),
            criticalSeconds: Double(configuration.replicationLagCritical))
    }

    /// The engine operation of `kind` for `node`. Throws in a read-only session, for an
    /// operation the engine does not have, and when the node's repmgr.conf cannot be read here.
    public func operation(_ kind: OperationKind, for node: NodeRecord) throws(WardenError) -> ClusterOperation {
        guard !mode.isReadOnly else {
            throw WardenError(
                "this dashboard session is read-only: \(kind.title.lowercased()) is not available",
                exitStatus: .badConfig)
        }
        let configuration = try configuration(for: node)
        guard let operation = catalog.operation(kind, node: node, configuration: configuration) else {
            throw WardenError("\(kind.title.lowercased()) is not available in this build", exitStatus: .badConfig)
        }
        return operation
    }

    /// The engine operation that pauses (`pause` true) or unpauses every node's daemon, reaching
    /// the cluster through the entry node as `pgwarden daemon pause` does. Throws in a read-only
    /// session and when the catalog does not have it.
    public func daemonPauseOperation(pause: Bool) throws(WardenError) -> ClusterOperation {
        let title = pause ? "pausing the daemons" : "unpausing the daemons"
        guard !mode.isReadOnly else {
            throw WardenError("this dashboard session is read-only: \(title) is not available", exitStatus: .badConfig)
        }
        guard let operation = catalog.daemonPauseOperation(pause: pause, entry: entry) else {
            throw WardenError("\(title) is not available in this build", exitStatus: .badConfig)
        }
        return operation
    }

    /// The fence (`fence` true) or unfence of `node`, with this dashboard's own repmgr.conf (its
    /// fence_command / fence_mode; the node's own file when the dashboard has none), reaching the cluster
    /// through the entry node as `pgwarden node fence` does. Throws in a read-only session and when the
    /// catalog does not have it.
    public func fenceOperation(fence: Bool, for node: NodeRecord) throws(WardenError) -> ClusterOperation {
        let title = fence ? "fencing" : "unfencing"
        guard !mode.isReadOnly else {
            throw WardenError("this dashboard session is read-only: \(title) is not available", exitStatus: .badConfig)
        }
        let settings = localConfiguration ?? (try? configuration(for: node))
        guard let operation = catalog.fenceOperation(fence: fence, node: node, entry: entry, configuration: settings)
        else {
            throw WardenError("\(title) is not available in this build", exitStatus: .badConfig)
        }
        return operation
    }

    /// The repmgr.conf of `node`: the local one, or the file its record names when readable here.
    func configuration(for node: NodeRecord) throws(WardenError) -> NodeConfiguration {
        if let local = localConfiguration, local.nodeID == node.nodeID { return local }
        guard !node.configFile.isEmpty, FileManager.default.isReadableFile(atPath: node.configFile) else {
            throw WardenError(
                "the configuration file of \(node.label) is not readable from here",
                detail: node.configFile.isEmpty
                    ? "its node record names no file" : "registered path: \(node.configFile)",
                hint: "run the dashboard on that node, or with -f pointing at its repmgr.conf", exitStatus: .badConfig)
        }
        let (configuration, _) = try ConfigurationLoader.load(path: node.configFile)
        guard configuration.nodeID == node.nodeID else {
            throw WardenError(
                "\(node.configFile) belongs to node \(configuration.nodeID), not to \(node.label)",
                exitStatus: .badConfig)
        }
        return configuration
    }

    /// Reads the metadata (from the entry node, else from any node known from earlier refreshes)
    /// and probes every node at once.
    public func fetchSnapshot(window: HistoryWindow) async throws(WardenError) -> ClusterSnapshot {
        let metadata = try await readMetadata(window: window)
        knownNodes.withLock { $0 = metadata.nodes }
        let observations = await probe(metadata.nodes)
        await pool.retain(only: Set(metadata.nodes.map(\.conninfo) + [metadata.conninfo]))
        return ClusterSnapshot(
            report: ClusterShowReport(nodes: metadata.nodes, observations: observations, fences: metadata.fences),
            votingTerm: metadata.term,
            events: metadata.events, history: metadata.history, historyWindow: window,
            newestHistoryRow: metadata.newestHistoryRow, historyError: metadata.historyError,
            daemons: metadata.daemons, source: metadata.source, fetchedAt: Date())
    }

    /// What one metadata read found.
    struct Metadata: Sendable {
        var nodes: [NodeRecord]
        var term: Int?
        var events: [EventRecord]
        var history: [DashboardQueries.HistorySeries]
        var newestHistoryRow: Date?
        var historyError: String?
        var daemons: [Int: DaemonStatusTable.Row]
        var fences: [Int: FenceRecord]
        var source: String
        var conninfo: String
    }

    private func readMetadata(window: HistoryWindow) async throws(WardenError) -> Metadata {
        let entryName =
            localConfiguration?.nodeName ?? "\(entry.host ?? "localhost"):\(entry.port ?? "5432")"
        var sources = [(entry.connectionString, entryName)]
        let known = knownNodes.withLock { $0 }
        for node in known.sorted(by: { ($0.type == .primary ? 0 : 1) < ($1.type == .primary ? 0 : 1) })
        where node.active && node.type != .witness && node.conninfo != entry.connectionString {
            sources.append((node.conninfo, node.nodeName))
        }
        var failures: [String] = []
        for (conninfo, name) in sources {
            do {
                return try await Deadline.run(Self.metadataDeadline, what: "the metadata on \(name)") {
                    [pool] () throws(WardenError) -> Metadata in
                    try await Self.readMetadata(from: conninfo, name: name, window: window, pool: pool)
                }
            } catch {
                await pool.drop(conninfo)
                failures.append("\(name): \(Self.reason(error))")
            }
        }
        throw WardenError(
            "cannot read the cluster metadata", detail: failures.joined(separator: "; "), exitStatus: .dbConnection)
    }

    private static func readMetadata(from conninfo: String, name: String, window: HistoryWindow, pool: ConnectionPool)
        async throws(WardenError) -> Metadata
    {
        let connection = try await pool.connection(for: conninfo)
        let catalog = Catalog(connection: connection)
        guard try await catalog.schemaExists() else {
            throw WardenError("the \"repmgr\" metadata schema was not found", exitStatus: .badConfig)
        }
        let nodes = try await catalog.nodes()
        let term = try await catalog.votingTerm()
        let events = try await catalog.events(EventFilter(limit: ClusterSnapshot.eventLimit))
        var history: [DashboardQueries.HistorySeries] = []
        var newest: Date?
        var historyError: String?
        do {
            history = try await DashboardQueries.monitoringHistory(
                connection, window: window.duration, buckets: historyBuckets)
            newest = try await DashboardQueries.newestMonitoringTime(connection)
        } catch {
            historyError = error.message
        }
        let daemons = (try? await DaemonStatusTable.rows(catalog)) ?? [:]
        let fences = (try? await FenceTable.records(catalog)) ?? [:]
        return Metadata(
            nodes: nodes, term: term, events: events, history: history, newestHistoryRow: newest,
            historyError: historyError, daemons: daemons, fences: fences, source: name, conninfo: conninfo)
    }

    private func probe(_ nodes: [NodeRecord]) async -> [Int: NodeObservation] {
        await withTaskGroup(of: (Int, NodeObservation).self) { [pool] group in
            for node in nodes {
                group.addTask {
                    do throws(WardenError) {
                        let connection = try await pool.connection(for: node.conninfo)
                        let observation = await NodeProber.observe(connection)
                        if !observation.reachable { await pool.drop(node.conninfo) }
                        return (node.nodeID, observation)
                    } catch {
                        await pool.drop(node.conninfo)
                        return (node.nodeID, NodeObservation(unreachable: Self.reason(error)))
                    }
                }
            }
            var observations: [Int: NodeObservation] = [:]
            for await (id, observation) in group { observations[id] = observation }
            return observations
        }
    }

    /// The first line of an error's detail (libpq's own reason), else its message.
    static func reason(_ error: WardenError) -> String {
        error.detail?.split(separator: "\n").first.map(String.init) ?? error.message
    }

    /// The node's slots and WAL receiver, over a short-lived read-only connection.
    public func details(for node: NodeRecord) async -> NodeDetails {
        do {
            let conninfo = try Conninfo(parsing: node.conninfo)
            let connection = try await PostgresConnection.connect(
                conninfo, timeout: .seconds(5), applicationName: "pgwarden dashboard", readOnly: true)
            let slots = try await DashboardQueries.replicationSlots(connection)
            let receiver = try await DashboardQueries.walReceiver(connection)
            return NodeDetails(
                slots: slots, walReceiver: receiver.map { NodeDetails.Field(name: $0.0, value: $0.1) }, error: nil)
        } catch {
            return NodeDetails(slots: [], walReceiver: [], error: error.detail ?? error.message)
        }
    }
}
