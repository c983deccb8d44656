import Foundation
import WardenEngine
import WardenTerminal

/// The Enter view of one node: its registered facts, what the probe saw, its WAL receiver,
/// its row in the upstream's `pg_stat_replication`, its own downstreams and slots, and the
/// daemon's latest failover explanation when there is one.
public enum DetailsOverlay {
    public static func draw(into screen: inout Screen, area: Rect, context: RenderContext, nodeID: Int) {
        let state = context.state
        guard let row = state.rows.first(where: { $0.node.nodeID == nodeID }) else { return }
        let lines = lines(for: row, state: state)
        let width = min(area.width - 2, 96)
        let height = min(area.height, lines.count + 2)
        let inner = context.dialog(
            title: "Node \(row.node.nodeName) (ID \(row.node.nodeID))", width: width, height: height, in: area,
            on: &screen)
        context.write(lines, in: inner, on: &screen)
    }

    static func lines(for row: NodeRow, state: DashboardState) -> [(String, ThemeRole)] {
        let node = row.node
        let observation = row.observation
        var lines: [(String, ThemeRole)] = []
        func fact(_ name: String, _ value: String, _ role: ThemeRole = .text) {
            lines.append(((name + ":").padding(toLength: 16, withPad: " ", startingAt: 0) + value, role))
        }
        fact("status", row.status, row.statusRole)
        fact("role", "\(node.type.rawValue)\(node.active ? "" : " (inactive)")")
        fact("upstream", row.upstream.isEmpty ? "-" : row.upstream)
        fact("location", node.location)
        fact("priority", String(node.priority))
        fact("conninfo", Conninfo.maskPasswords(in: node.conninfo))
        if observation.reachable {
            fact("server", observation.serverVersion ?? "?")
            fact("timeline", row.timeline)
            if let current = observation.currentLSN { fact("current LSN", current.description) }
            if let received = observation.receiveLSN { fact("received LSN", received.description) }
            if let replayed = observation.replayLSN { fact("replayed LSN", replayed.description) }
            if let lag = row.lag {
                fact(
                    "lag", "\(ValueFormat.bytes(lag.bytes)), \(ValueFormat.seconds(lag.seconds))",
                    state.thresholds.role(forSeconds: lag.seconds))
            }
        } else {
            fact("error", observation.error ?? "unreachable", .critical)
        }
        lines.append(("", .text))
        lines.append(("WAL receiver (pg_stat_wal_receiver)", .title))
        if let status = observation.walReceiverStatus {
            lines.append(
                (
                    "  \(status) from \(observation.senderHost ?? "?"):\(observation.senderPort.map(String.init) ?? "?")",
                    .text
                ))
        }
        if let details = state.details, state.detailsNodeID == node.nodeID {
            if details.walReceiver.isEmpty && observation.walReceiverStatus == nil {
                lines.append(("  none", .muted))
            }
            for field in details.walReceiver where !["status", "sender_host", "sender_port"].contains(field.name) {
                lines.append(("  \(field.name) = \(field.value)", .text))
            }
        } else if observation.walReceiverStatus == nil {
            lines.append(("  none", .muted))
        }
        lines.append(("Replication from its upstream (pg_stat_replication)", .title))
        if let upstream = state.rows.first(where: { $0.node.nodeID == node.upstreamNodeID }),
            let entry = upstream.observation.downstream.first(where: { $0.applicationName == node.nodeName })
        {
            lines.append(
                (
                    "  on \(upstream.node.nodeName): \(entry.state), sent \(entry.sentLSN?.description ?? "-"), flushed \(entry.flushLSN?.description ?? "-"), replayed \(entry.replayLSN?.description ?? "-")",
                    .text
                ))
        } else {
            lines.append(("  no row\(node.upstreamNodeID == nil ? " (no upstream)" : "")", .muted))
        }
        if !observation.downstream.isEmpty {
            lines.append(("Its standbys (pg_stat_replication)", .title))
            for entry in observation.downstream {
                lines.append(
                    (
                        "  \(entry.applicationName): \(entry.state), replayed \(entry.replayLSN?.description ?? "-")",
                        .text
                    ))
            }
        }
        lines.append(("Replication slots", .title))
        if let details = state.details, state.detailsNodeID == node.nodeID {
            if let error = details.error { lines.append(("  \(error)", .warning)) }
            if details.slots.isEmpty && details.error == nil { lines.append(("  none", .muted)) }
            for slot in details.slots {
                lines.append(
                    (
                        "  \(slot.name) (\(slot.type)) \(slot.active ? "active" : "inactive"), restart \(slot.restartLSN ?? "-")\(slot.walStatus.map { ", wal \($0)" } ?? "")",
                        slot.active ? .text : .warning
                    ))
            }
        } else {
            lines.append(("  loading…", .muted))
        }
        lines.append(("Daemon and failover (repmgr.pgwarden_daemon)", .title))
        guard let daemon = row.daemon else {
            lines.append(("  no pgwarden daemon has reported for this node", .muted))
            return lines
        }
        var status = "  \(row.daemonText)"
        if let pid = daemon.pid { status += ", pid \(pid)" }
        if let seen = daemon.lastSeen {
            status += ", last report \(ValueFormat.age(state.now.timeIntervalSince(seen)))"
        }
        if let upstream = daemon.upstreamLastSeen {
            status += ", saw its upstream \(ValueFormat.age(state.now.timeIntervalSince(upstream)))"
        }
        lines.append((status, row.daemonRole))
        var explanation = daemon.explanation.split(separator: "\n").map(String.init)
        if var lease = daemon.lease {
            // The stored lease is as of the daemon's last report; count its expiry on from then.
            let age = daemon.lastSeen.map { Int64(max(state.now.timeIntervalSince($0), 0) * 1000) } ?? 0
            lease.expiresInMilliseconds = max(lease.expiresInMilliseconds - age, 0)
            let names = Dictionary(
                state.snapshot?.report.rows.map { ($0.node.nodeID, $0.node.nodeName) } ?? [],
                uniquingKeysWith: { first, _ in first })
            lines.append(("  " + lease.summary(names: { names[$0] }), lease.state == .held ? .text : .warning))
            explanation.removeAll { $0.hasPrefix("lease: ") }
        }
        if explanation.isEmpty, daemon.lease == nil { explanation = ["no failover explanation reported"] }
        lines += explanation.map { ("  \($0)", .text) }
        return lines
    }
}
