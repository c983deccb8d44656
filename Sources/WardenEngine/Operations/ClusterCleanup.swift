/// `cluster cleanup`: prunes `repmgr.monitoring_history` on the primary, then VACUUMs it, and records
/// `cluster_cleanup` with repmgr's detail text ("monitoring records deleted for node 2; records newer
/// than 30 day(s) retained"). Meant for cron.
///
/// `--keep-history=N` keeps rows whose `last_monitor_time` is less than N days old (0, the default,
/// deletes every row); `--node-id` limits the cleanup to one standby's rows.
public struct ClusterCleanup: Sendable {
    /// The local node's configuration (for the event's node ID and the notification command).
    public let configuration: NodeConfiguration?
    /// `-k/--keep-history` in days.
    public let keepHistoryDays: Int
    /// `--node-id`.
    public let nodeID: Int?

    public init(configuration: NodeConfiguration?, keepHistoryDays: Int, nodeID: Int?) {
        self.configuration = configuration
        self.keepHistoryDays = keepHistoryDays
        self.nodeID = nodeID
    }

    /// The event's details, as repmgr words them.
    public var details: String {
        var text = keepHistoryDays == 0 ? "all monitoring records deleted" : "monitoring records deleted"
        if let nodeID { text += " for node \(nodeID)" }
        if keepHistoryDays > 0 { text += "; records newer than \(keepHistoryDays) day(s) retained" }
        return text
    }

    private static let condition = """
        ($1::int = 0 OR pg_catalog.age(pg_catalog.now(), last_monitor_time) >= pg_catalog.make_interval(days => $1::int))
        AND ($2::int IS NULL OR standby_node_id = $2::int)
        """

    /// Deletes the rows and returns how many went; `via` is any node of the cluster.
    @discardableResult
    public func run(via conninfo: Conninfo, report: @escaping MessageSink) async throws(WardenError) -> Int {
        guard keepHistoryDays >= 0 else {
            throw WardenError("--keep-history must be 0 or more days", exitStatus: .badConfig)
        }
        let local = try await ClusterConnector.connectWithMetadata(conninfo)
        let nodes = try await local.nodes()
        if let nodeID, !nodes.contains(where: { $0.nodeID == nodeID }) {
            throw WardenError("node \(nodeID) (specified with --node-id) not found", exitStatus: .badConfig)
        }
        report(OperationMessage(.info, "connecting to primary server"))
        let (primaryRecord, primary) = try await ClusterConnector.primary(among: nodes)
        let parameters: [String?] = [String(keepHistoryDays), nodeID.map(String.init)]
        report(OperationMessage(.debug, "number of days of monitoring history to retain: \(keepHistoryDays)"))

        let counted = try await primary.connection.query(
            "SELECT count(*) AS rows FROM repmgr.monitoring_history WHERE \(Self.condition)", parameters)
        let toDelete = counted.first?.int("rows") ?? 0
        guard toDelete > 0 else {
            report(OperationMessage(.info, "no monitoring records to delete"))
            return 0
        }
        report(OperationMessage(.debug, "at least \(toDelete) monitoring records to delete"))

        let events = EventRecorder(report: report, configuration: configuration)
        let eventNodeID = configuration?.nodeID ?? primaryRecord.nodeID
        let deleted: Int
        do throws(WardenError) {
            deleted = try await primary.connection.query(
                "DELETE FROM repmgr.monitoring_history WHERE \(Self.condition)", parameters, timeout: .seconds(600)
            ).affectedRows
        } catch {
            await events.record(
                "cluster_cleanup", nodeID: eventNodeID, successful: false,
                details: "unable to delete monitoring records", in: primary)
            throw WardenError(
                "unable to delete monitoring records", detail: error.message, exitStatus: .dbQuery)
        }
        do throws(WardenError) {
            try await primary.connection.executeScript("VACUUM repmgr.monitoring_history", timeout: .seconds(600))
            report(OperationMessage(.info, "vacuum of table \"repmgr.monitoring_history\" completed"))
        } catch {
            report(
                OperationMessage(
                    .warning, "unable to vacuum table \"repmgr.monitoring_history\"", detail: error.message))
        }
        await events.record("cluster_cleanup", nodeID: eventNodeID, details: details, in: primary)
        report(OperationMessage(.notice, details))
        return deleted
    }
}
