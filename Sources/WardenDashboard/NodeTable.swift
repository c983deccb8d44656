import WardenEngine

/// Orders a snapshot's nodes as the upstream tree (roots first, children under their
/// upstream by node ID) and computes each row's lag.
public enum NodeTable {
    public static func rows(_ snapshot: ClusterSnapshot) -> [NodeRow] {
        let reportRows = snapshot.report.rows
        let ids = Set(reportRows.map(\.node.nodeID))
        var children: [Int: [ClusterShowReport.Row]] = [:]
        var roots: [ClusterShowReport.Row] = []
        for row in reportRows {
            if let upstream = row.node.upstreamNodeID, upstream != row.node.nodeID, ids.contains(upstream) {
                children[upstream, default: []].append(row)
            } else {
                roots.append(row)
            }
        }
        let lag = snapshot.lagSamples
        var ordered: [NodeRow] = []
        var visited: Set<Int> = []
        func visit(_ row: ClusterShowReport.Row, ancestors: [Bool], isLast: Bool, depth: Int) {
            guard visited.insert(row.node.nodeID).inserted else { return }
            ordered.append(
                NodeRow(
                    node: row.node, observation: row.observation, status: row.status, upstream: row.upstream,
                    timeline: row.timeline, lag: lag[row.node.nodeID], fenced: row.fenced,
                    daemon: snapshot.daemons[row.node.nodeID],
                    ancestorsAreLast: ancestors, isLastChild: isLast, depth: depth))
            let kids = (children[row.node.nodeID] ?? []).sorted { $0.node.nodeID < $1.node.nodeID }
            for (index, child) in kids.enumerated() {
                visit(
                    child, ancestors: depth == 0 ? [] : ancestors + [isLast], isLast: index == kids.count - 1,
                    depth: depth + 1)
            }
        }
        let sortedRoots = roots.sorted { lhs, rhs in
            let lhsPrimary = lhs.node.type == .primary
            let rhsPrimary = rhs.node.type == .primary
            if lhsPrimary != rhsPrimary { return lhsPrimary }
            return lhs.node.nodeID < rhs.node.nodeID
        }
        for root in sortedRoots {
            visit(root, ancestors: [], isLast: true, depth: 0)
        }
        // Nodes caught in an upstream cycle are never reached from a root: list them flat.
        for row in reportRows where !visited.contains(row.node.nodeID) {
            visit(row, ancestors: [], isLast: true, depth: 0)
        }
        return ordered
    }
}
