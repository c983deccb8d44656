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
    }

    static func encode(_ report: ClusterShowReport) throws -> String {
        let primaryLSN = report.rows.first { $0.node.type == .primary && $0.observation.reachable }?.observation
            .currentLSN
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
                fenceMode: row.fence?.method?.rawValue, fenceReason: row.fence?.reason)
        }
        return try encodeSorted(nodes)
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
