import Foundation

/// A registered downstream node of the local node and whether it is streaming from it
/// (a row with its `node_name` as `application_name` and state `streaming` in the local
/// `pg_stat_replication`).
public struct DownstreamAttachment: Sendable, Equatable {
    /// The downstream node's ID.
    public var nodeID: Int
    /// The downstream node's name (its `application_name` when it streams).
    public var nodeName: String
    /// True when it is streaming from the local node.
    public var attached: Bool

    /// Describes one downstream node.
    public init(nodeID: Int, nodeName: String, attached: Bool) {
        self.nodeID = nodeID
        self.nodeName = nodeName
        self.attached = attached
    }

    /// `node2 (ID: 2)`, the way repmgr lists nodes in `node status` / `node check`.
    public var label: String { "\(nodeName) (ID: \(nodeID))" }
}

/// A registered standby of the local node whose record names a replication slot that does
/// not exist on the local node.
public struct MissingSlot: Sendable, Equatable {
    /// The standby's ID.
    public var nodeID: Int
    /// The standby's name.
    public var nodeName: String
    /// The slot its record names (`repmgr.nodes.slot_name`).
    public var slotName: String

    /// Describes one missing slot.
    public init(nodeID: Int, nodeName: String, slotName: String) {
        self.nodeID = nodeID
        self.nodeName = nodeName
        self.slotName = slotName
    }
}

/// `node status`: an overview of the local node — PostgreSQL version, size, role, WAL
/// archiving, replication connections and slots, upstream, lag and WAL positions — laid out
/// exactly as repmgr 5.3 prints it (`lines`) or as its `--csv` (`csvLines`).
///
/// The report is a plain value: ``gather(configuration:conninfo:)`` fills it from a server,
/// tests build one in code.
public struct NodeStatusReport: Sendable, Equatable {
    /// The upstream node named by the local node's record.
    public struct Upstream: Sendable, Equatable {
        /// The upstream's ID.
        public var nodeID: Int
        /// The upstream's name, nil when no record with that ID exists.
        public var nodeName: String?

        /// Describes the upstream.
        public init(nodeID: Int, nodeName: String?) {
            self.nodeID = nodeID
            self.nodeName = nodeName
        }
    }

    /// `node_id` of the local node.
    public var nodeID: Int
    /// `node_name` of the local node.
    public var nodeName: String
    /// False when `repmgr.nodes` has no record for the node; ``type`` is then derived from
    /// `pg_is_in_recovery()`.
    public var registered: Bool
    /// The role: the record's `type`, or primary/standby from the recovery state when not registered.
    public var type: NodeType
    /// `pg_is_in_recovery()`.
    public var inRecovery: Bool
    /// `server_version` up to the first blank (`15.18`, without a distribution suffix).
    public var serverVersion: String
    /// `pg_size_pretty` of the sum of all database sizes, or `unknown`.
    public var totalDataSize: String
    /// The node's conninfo (from its record, else the configuration) with any password masked.
    public var conninfo: String
    /// `archive_mode`: `off`, `on` or `always`.
    public var archiveMode: String
    /// `archive_command` ("" when not set or not visible).
    public var archiveCommand: String
    /// `.ready` files in `pg_wal/archive_status`; nil when the directory could not be read.
    public var pendingArchiveFiles: Int?
    /// Rows in `pg_stat_replication`.
    public var occupiedWalSenders: Int
    /// `max_wal_senders`.
    public var maxWalSenders: Int
    /// `max_replication_slots`.
    public var maxReplicationSlots: Int
    /// Physical replication slots in use.
    public var activeReplicationSlots: Int
    /// Names of the physical replication slots not in use.
    public var inactiveReplicationSlots: [String]
    /// Registered standbys of this node whose slot does not exist.
    public var missingSlots: [MissingSlot]
    /// Registered downstream nodes (witnesses excluded) and whether they are attached.
    public var downstream: [DownstreamAttachment]
    /// The upstream named by the record (shown for standbys).
    public var upstream: Upstream?
    /// Seconds since the last replayed transaction when replay is behind receive, else 0 (standbys).
    public var replicationLagSeconds: Int?
    /// `pg_last_wal_receive_lsn()` (standbys).
    public var lastReceivedLSN: LSN?
    /// `pg_last_wal_replay_lsn()` (standbys).
    public var lastReplayedLSN: LSN?
    /// The node's fence record when it is fenced (`repmgr.pgwarden_fence`); shown as `Fenced: yes (...)`.
    public var fence: FenceRecord?

    /// Builds a report from facts already known.
    public init(
        nodeID: Int, nodeName: String, registered: Bool = true, type: NodeType, inRecovery: Bool,
        serverVersion: String, totalDataSize: String, conninfo: String, archiveMode: String = "off",
        archiveCommand: String = "", pendingArchiveFiles: Int? = 0, occupiedWalSenders: Int = 0,
        maxWalSenders: Int = 10, maxReplicationSlots: Int = 10, activeReplicationSlots: Int = 0,
        inactiveReplicationSlots: [String] = [], missingSlots: [MissingSlot] = [],
        downstream: [DownstreamAttachment] = [], upstream: Upstream? = nil,
        replicationLagSeconds: Int? = nil,
        lastReceivedLSN: LSN? = nil, lastReplayedLSN: LSN? = nil, fence: FenceRecord? = nil
    ) {
        self.nodeID = nodeID
        self.nodeName = nodeName
        self.registered = registered
        self.type = type
        self.inRecovery = inRecovery
        self.serverVersion = serverVersion
        self.totalDataSize = totalDataSize
        self.conninfo = conninfo
        self.archiveMode = archiveMode
        self.archiveCommand = archiveCommand
        self.pendingArchiveFiles = pendingArchiveFiles
        self.occupiedWalSenders = occupiedWalSenders
        self.maxWalSenders = maxWalSenders
        self.maxReplicationSlots = maxReplicationSlots
        self.activeReplicationSlots = activeReplicationSlots
        self.inactiveReplicationSlots = inactiveReplicationSlots
        self.missingSlots = missingSlots
        self.downstream = downstream
        self.upstream = upstream
        self.replicationLagSeconds = replicationLagSeconds
        self.lastReceivedLSN = lastReceivedLSN
        self.lastReplayedLSN = lastReplayedLSN
        self.fence = fence
    }

    // MARK: - Formatting

    /// One `key: value` of the report; `textVisible` false means `--csv` only.
    struct Entry: Equatable {
        var key: String
        var value: String
        var textVisible = true
    }

    var entries: [Entry] {
        var entries = [
            Entry(key: "PostgreSQL version", value: serverVersion),
            Entry(key: "Total data size", value: totalDataSize),
            Entry(key: "Conninfo", value: conninfo),
            Entry(key: "Role", value: type.rawValue),
        ]
        if let fence {
            let mode = fence.method?.summary ?? "unknown mode"
            entries.append(Entry(key: "Fenced", value: "yes (\(mode); reason: \(fence.reason))"))
        }
        let archivingOff = archiveMode == "off"
        if archivingOff {
            entries.append(Entry(key: "WAL archiving", value: "off"))
            entries.append(Entry(key: "Archive command", value: "(none)"))
        } else {
            let enabled = !(inRecovery && archiveMode == "on")
            var status = enabled ? "enabled" : "disabled"
            if !enabled {
                status += " (on standbys \"archive_mode\" must be set to \"always\" to be effective)"
            }
            entries.append(Entry(key: "WAL archiving", value: status))
            entries.append(Entry(key: "Archive command", value: archiveCommand))
        }
        if let pendingArchiveFiles {
            entries.append(
                Entry(
                    key: "WALs pending archiving", value: "\(pendingArchiveFiles) pending files",
                    textVisible: !archivingOff))
        }
        entries.append(
            Entry(
                key: "Replication connections", value: "\(occupiedWalSenders) (of maximal \(maxWalSenders))"
            ))
        if maxReplicationSlots == 0 {
            entries.append(Entry(key: "Replication slots", value: "disabled"))
        } else {
            let total = activeReplicationSlots + inactiveReplicationSlots.count
            var slots =
                "\(total) physical (of maximal \(maxReplicationSlots); \(missingSlots.count) missing)"
            if !inactiveReplicationSlots.isEmpty {
                slots += "; \(inactiveReplicationSlots.count) inactive"
            }
            entries.append(Entry(key: "Replication slots", value: slots))
        }
        if type == .standby {
            let upstreamText =
                upstream.map { "\($0.nodeName ?? "(unknown)") (ID: \($0.nodeID))" } ?? "(none)"
            entries.append(Entry(key: "Upstream node", value: upstreamText))
            entries.append(
                Entry(
                    key: "Replication lag", value: replicationLagSeconds.map { "\($0) seconds" } ?? "unknown")
            )
            entries.append(Entry(key: "Last received LSN", value: (lastReceivedLSN ?? .zero).description))
            entries.append(Entry(key: "Last replayed LSN", value: (lastReplayedLSN ?? .zero).description))
        } else {
            entries.append(Entry(key: "Upstream node", value: "(none)", textVisible: false))
            entries.append(Entry(key: "Replication lag", value: "n/a"))
            entries.append(Entry(key: "Last received LSN", value: "(none)", textVisible: false))
            entries.append(Entry(key: "Last replayed LSN", value: "(none)", textVisible: false))
        }
        return entries
    }

    /// The text report: `Node "node1":` and one tab-indented `key: value` line per item.
    /// repmgr follows it with an empty line, which the caller prints.
    public var lines: [String] {
        ["Node \"\(nodeName)\":"] + entries.filter(\.textVisible).map { "\t\($0.key): \($0.value)" }
    }

    /// repmgr's `--csv` layout: `"key","value"` lines, then the raw counters
    /// (`"max_wal_senders",10` ...), inactive and missing slot names appended to their counter line.
    /// Values are not escaped, as in repmgr.
    public var csvLines: [String] {
        var lines = ["\"Node name\",\"\(nodeName)\"", "\"Node ID\",\"\(nodeID)\""]
        for entry in entries {
            var value = entry.value
            if entry.key == "WALs pending archiving", let pendingArchiveFiles {
                value = String(pendingArchiveFiles)
            }
            lines.append("\"\(entry.key)\",\"\(value)\"")
        }
        lines.append("\"max_wal_senders\",\(maxWalSenders)")
        lines.append("\"occupied_wal_senders\",\(occupiedWalSenders)")
        lines.append("\"max_replication_slots\",\(maxReplicationSlots)")
        lines.append("\"active_replication_slots\",\(activeReplicationSlots)")
        lines.append(
            "\"inactive_replication_slots\",\(inactiveReplicationSlots.count)"
                + inactiveReplicationSlots.map { ",\"\($0)\"" }.joined())
        lines.append(
            "\"missing_replication_slots\",\(missingSlots.count)"
                + missingSlots.map { ",\"\($0.slotName)\"" }.joined())
        return lines
    }

    /// The problems repmgr lists after the text report under
    /// `WARNING: following issue(s) were detected:`, each line as it is printed after two blanks.
    public var warnings: [String] {
        var warnings: [String] = []
        if !registered {
            warnings.append("- node \(nodeID) is not registered in the repmgr metadata")
        }
        if registered && type == .primary && inRecovery {
            warnings.append("- node is registered as primary but running as standby")
        }
        if registered && type == .standby && !inRecovery {
            warnings.append("- node is registered as standby but running as primary")
        }
        if let fence {
            warnings.append("- node is fenced (\(fence.method?.summary ?? "unknown mode"))")
        }
        if pendingArchiveFiles == nil {
            warnings.append("- unable to check archive_status directory")
        }
        let missing = downstream.filter { !$0.attached }
        if !missing.isEmpty {
            warnings.append("- \(missing.count) of \(downstream.count) downstream nodes not attached:")
            warnings += missing.map { "  - \($0.label)" }
        }
        if maxReplicationSlots != 0 && !missingSlots.isEmpty {
            warnings.append("- replication slots missing for following \(missingSlots.count) node(s):")
            warnings += missingSlots.map {
                "  - \($0.nodeName) (ID: \($0.nodeID), slot name: \"\($0.slotName)\")"
            }
        }
        if maxReplicationSlots != 0 && !inactiveReplicationSlots.isEmpty {
            warnings.append(
                "- node has \(inactiveReplicationSlots.count) inactive physical replication slots")
            warnings += inactiveReplicationSlots.map { "  - \($0)" }
        }
        return warnings
    }

    /// 0, or 25 (`ERR_NODE_STATUS`) when there is any warning — also in `--csv` mode, as in repmgr.
    public var exitStatus: ExitStatus { warnings.isEmpty ? .success : .nodeStatus }

    // MARK: - Gathering

    /// Connects to the local node (read-only) and reads everything the report shows. A failed
    /// connection is the error `PostgresConnection.connect` gives (exit code 6).
    public static func gather(configuration: NodeConfiguration, conninfo: Conninfo)
        async throws(WardenError)
        -> NodeStatusReport
    {
        let connection = try await PostgresConnection.connect(conninfo, readOnly: true)
        let local = try await LocalNodeFacts.read(connection, configuration: configuration)
        let settings = try await LocalNodeFacts.settings(
            connection, ["archive_mode", "archive_command", "max_wal_senders", "max_replication_slots"])
        let overview = try await connection.query(
            """
            SELECT pg_catalog.current_setting('server_version') AS server_version,
                   (SELECT count(*) FROM pg_catalog.pg_stat_replication) AS occupied_wal_senders
            """, timeout: LocalNodeFacts.queryTimeout)
        let size = try? await connection.query(
            """
            SELECT pg_catalog.pg_size_pretty(pg_catalog.sum(pg_catalog.pg_database_size(oid))::bigint) AS size
              FROM pg_catalog.pg_database
            """, timeout: LocalNodeFacts.queryTimeout)
        let replication = try await connection.query(
            """
            SELECT receive_lsn, replay_lsn,
                   CASE WHEN receive_lsn = replay_lsn OR last_replay IS NULL THEN 0
                        ELSE EXTRACT(epoch FROM (pg_catalog.clock_timestamp() - last_replay))::int
                   END AS lag_seconds
              FROM (SELECT COALESCE(pg_catalog.pg_last_wal_receive_lsn(), '0/0'::pg_lsn) AS receive_lsn,
                           COALESCE(pg_catalog.pg_last_wal_replay_lsn(), '0/0'::pg_lsn) AS replay_lsn,
                           pg_catalog.pg_last_xact_replay_timestamp() AS last_replay) AS positions
            """, timeout: LocalNodeFacts.queryTimeout)

        let fence = try await FenceTable.fenced(Catalog(connection: connection))[configuration.nodeID]
        let record = local.record
        let type = record?.type ?? (local.inRecovery ? .standby : .primary)
        let conninfoText = record?.conninfo ?? configuration.conninfo
        let version = overview.first?.string("server_version") ?? ""
        let upstream = record?.upstreamNodeID.map { id in
            Upstream(nodeID: id, nodeName: local.nodes.first { $0.nodeID == id }?.nodeName)
        }
        let maxSlots = settings["max_replication_slots"].flatMap { Int($0) } ?? 0
        let isStandby = type == .standby
        return NodeStatusReport(
            nodeID: configuration.nodeID, nodeName: record?.nodeName ?? configuration.nodeName,
            registered: record != nil, type: type, inRecovery: local.inRecovery,
            serverVersion: String(version.prefix { $0 != " " }),
            totalDataSize: size?.first?.string("size") ?? "unknown",
            conninfo: Conninfo.maskPasswords(in: conninfoText),
            archiveMode: settings["archive_mode"] ?? "off",
            archiveCommand: settings["archive_command"] ?? "",
            pendingArchiveFiles: local.pendingArchiveFiles,
            occupiedWalSenders: overview.first?.int("occupied_wal_senders") ?? 0,
            maxWalSenders: settings["max_wal_senders"].flatMap { Int($0) } ?? 0,
            maxReplicationSlots: maxSlots,
            activeReplicationSlots: local.physicalSlots.filter(\.active).count,
            inactiveReplicationSlots: local.physicalSlots.filter { !$0.active }.map(\.name),
            missingSlots: maxSlots == 0 ? [] : local.missingSlots, downstream: local.downstream,
            upstream: isStandby ? upstream : nil,
            replicationLagSeconds: isStandby ? replication.first?.int("lag_seconds") : nil,
            lastReceivedLSN: isStandby ? replication.first?.lsn("receive_lsn") : nil,
            lastReplayedLSN: isStandby ? replication.first?.lsn("replay_lsn") : nil, fence: fence)
    }
}

/// What `node status` and `node check` both read from the local node.
struct LocalNodeFacts: Sendable {
    /// A physical replication slot of the local node.
    struct Slot: Sendable, Equatable {
        var name: String
        var active: Bool
    }

    /// Deadline of each query; the node is local, so anything slower means it is hung.
    static let queryTimeout: Duration = .seconds(10)

    var inRecovery: Bool
    /// Every registered node (empty when the metadata schema does not exist).
    var nodes: [NodeRecord]
    /// The local node's record.
    var record: NodeRecord?
    var pendingArchiveFiles: Int?
    var physicalSlots: [Slot]
    var missingSlots: [MissingSlot]
    var downstream: [DownstreamAttachment]

    static func read(_ connection: PostgresConnection, configuration: NodeConfiguration)
        async throws(WardenError)
        -> LocalNodeFacts
    {
        let recovery = try await connection.query(
            "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery", timeout: queryTimeout)
        let catalog = Catalog(connection: connection)
        let nodes = try await catalog.schemaExists() ? catalog.nodes() : []
        let slotRows = try await connection.query(
            """
            SELECT slot_name, active FROM pg_catalog.pg_replication_slots
             WHERE slot_type = 'physical' ORDER BY slot_name
            """, timeout: queryTimeout)
        let slots = slotRows.rows.compactMap { row in
            row.string("slot_name").map { Slot(name: $0, active: row.bool("active") ?? false) }
        }
        let attachedNames = try await streamingApplicationNames(connection)
        let pending = await pendingArchiveFiles(connection, dataDirectory: configuration.dataDirectory)
        let nodeID = configuration.nodeID
        let children = nodes.filter { $0.upstreamNodeID == nodeID && $0.nodeID != nodeID }
        let slotNames = Set(slots.map(\.name))
        return LocalNodeFacts(
            inRecovery: recovery.first?.bool("in_recovery") ?? false, nodes: nodes,
            record: nodes.first { $0.nodeID == nodeID }, pendingArchiveFiles: pending,
            physicalSlots: slots,
            missingSlots: children.compactMap { child in
                guard child.type == .standby, let slot = child.slotName, !slotNames.contains(slot) else {
                    return nil
                }
                return MissingSlot(nodeID: child.nodeID, nodeName: child.nodeName, slotName: slot)
            },
            downstream: children.filter { $0.type != .witness }.map { child in
                DownstreamAttachment(
                    nodeID: child.nodeID, nodeName: child.nodeName,
                    attached: attachedNames.contains(child.nodeName))
            })
    }

    /// `application_name`s of the replication connections in state `streaming`. A user without
    /// `pg_read_all_stats` sees the connections but not their state; a connection whose state is
    /// hidden counts as streaming rather than raising a false alarm.
    static func streamingApplicationNames(_ connection: PostgresConnection) async throws(WardenError)
        -> Set<String>
    {
        let result = try await connection.query(
            "SELECT application_name, state FROM pg_catalog.pg_stat_replication", timeout: queryTimeout)
        return Set(
            result.rows.compactMap { row in
                let state = row.string("state")
                return state == nil || state == "streaming" ? row.string("application_name") : nil
            })
    }

    /// Values of server settings from `pg_settings` (settings the user may not see are absent).
    static func settings(_ connection: PostgresConnection, _ names: [String])
        async throws(WardenError)
        -> [String: String]
    {
        let result = try await connection.query(
            "SELECT name, setting FROM pg_catalog.pg_settings WHERE name = ANY($1::text[])",
            ["{" + names.joined(separator: ",") + "}"], timeout: queryTimeout)
        var values: [String: String] = [:]
        for row in result.rows {
            if let name = row.string("name") { values[name] = row.string("setting") ?? "" }
        }
        return values
    }

    /// Counts `.ready` files in `pg_wal/archive_status`: through `pg_ls_archive_statusdir()`
    /// (PostgreSQL 12+, needs superuser or `pg_monitor`), else by reading the configured data
    /// directory; nil when neither works.
    static func pendingArchiveFiles(_ connection: PostgresConnection, dataDirectory: String) async
        -> Int?
    {
        if connection.serverVersion >= 120000,
            let result = try? await connection.query(
                "SELECT count(*) AS ready FROM pg_catalog.pg_ls_archive_statusdir() WHERE name LIKE '%.ready'",
                timeout: queryTimeout),
            let count = result.first?.int("ready")
        {
            return count
        }
        let walDirectory = connection.serverVersion >= 100000 ? "pg_wal" : "pg_xlog"
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(walDirectory)
            .appendingPathComponent("archive_status").path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return nil }
        return names.filter { $0.hasSuffix(".ready") }.count
    }
}
