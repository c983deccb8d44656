import Foundation
import WardenEngine

/// `cluster show --json`: one object per node, every column plus the observed facts.
enum ClusterShowJSON {
    struct NodeJSON: Encodable {
        var id: Int
        var name: String
        var role: String
        var status: String
        var upstream: String
        var upstreamName: String?
        var location: String
        var priority: Int
        var timeline: Int?
        var connectionString: String
        var active: Bool
        var reachable: Bool
        var inRecovery: Bool?
        var currentLSN: String?
        var receiveLSN: String?
        var replayLSN: String?
        var lagBytes: Int64?
        var lagSeconds: Double?
        var walReceiverStatus: String?
        var error: String?
        var fenced: Bool
        var fenceMode: String?
        var fenceReason: String?
        var daemon: DaemonJSON?
    }

    /// The node's daemon as its last heartbeat in `repmgr.pgwarden_daemon` left it.
    struct DaemonJSON: Encodable {
        var running: Bool
        var paused: Bool
        var state: String
        var lastSeen: Date?
        /// The lease at `lastSeen`: `expiresInMilliseconds` counts from then.
        var lease: LeaseJSON?
    }

    struct LeaseJSON: Encodable {
        var state: String
        var term: Int
        var holder: Int?
        var holderName: String?
        var grantedBy: [String]
        var needed: Int?
        var voters: Int?
        var expiresInMilliseconds: Int64
        var summary: String
    }

    static func encode(_ report: ClusterShowReport) throws -> String {
        let primaryLSN = report.rows.first { $0.node.type == .primary && $0.observation.reachable }?.observation
            .currentLSN
        let names = Dictionary(report.rows.map { ($0.node.nodeID, $0.node.nodeName) }, uniquingKeysWith: { a, _ in a })
        let nodes = report.rows.map { row in
            let observation = row.observation
            let lagBytes: Int64? =
                (observation.inRecovery == true)
                ? primaryLSN.flatMap { primary in observation.newestLSN.map { max(0, primary - $0) } } : nil
            return NodeJSON(
                id: row.node.nodeID, name: row.node.nodeName, role: row.node.type.rawValue,
                status: row.status.trimmingCharacters(in: .whitespaces), upstream: row.upstream,
                upstreamName: row.upstreamName, location: row.node.location, priority: row.node.priority,
                timeline: observation.timeline, connectionString: row.maskedConninfo, active: row.node.active,
                reachable: observation.reachable, inRecovery: observation.inRecovery,
                currentLSN: observation.currentLSN?.description, receiveLSN: observation.receiveLSN?.description,
                replayLSN: observation.replayLSN?.description, lagBytes: lagBytes,
                lagSeconds: observation.replayLagSeconds, walReceiverStatus: observation.walReceiverStatus,
                error: observation.error.map(Conninfo.maskPasswords(in:)), fenced: row.fenced,
                fenceMode: row.fence?.method?.rawValue, fenceReason: row.fence?.reason,
                daemon: report.daemons[row.node.nodeID].map { daemon(of: $0, names: names) })
        }
        return try encodeSorted(nodes)
    }

    static func daemon(of row: DaemonStatusTable.Row, names: [Int: String]) -> DaemonJSON {
        let lease = row.lease.map { lease in
            LeaseJSON(
                state: lease.state.rawValue, term: lease.term, holder: lease.holderNodeID,
                holderName: lease.holderNodeID.flatMap { names[$0] },
                grantedBy: lease.grantedBy.map { names[$0] ?? "node \($0)" }, needed: lease.needed,
                voters: lease.voters, expiresInMilliseconds: lease.expiresInMilliseconds,
                summary: lease.summary(names: { names[$0] }))
        }
        return DaemonJSON(
            running: row.pid != nil, paused: row.paused, state: row.state, lastSeen: row.lastSeen, lease: lease)
    }

    static func encodeSorted<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// `cluster events --json`.
enum EventsJSON {
    static func encode(_ events: [EventRecord]) throws -> String {
        try ClusterShowJSON.encodeSorted(events)
    }
}
