import Foundation
import Testing
import WardenDashboard
import WardenEngine
import WardenTerminal

/// Render + diff time per frame for 32 nodes with 24 h of monitoring history. A benchmark, not
/// a test: it runs only with PGWARDEN_BENCHMARK=1 and prints its figures (use a release build:
/// `swift test -c release -Xswiftc -enable-testing --filter RenderBenchmark`).
@Suite("Render benchmark", .enabled(if: ProcessInfo.processInfo.environment["PGWARDEN_BENCHMARK"] != nil))
struct RenderBenchmark {
    typealias F = DashboardFixtures

    /// node1 primary; nodes 2–32 standbys, every fourth cascading from the one before; `tick` varies the lag.
    static func bigSnapshot(tick: Int) -> ClusterSnapshot {
        var nodes = [F.node(1, .primary)]
        var observations: [Int: NodeObservation] = [:]
        let primaryLSN: UInt64 = 0x40_0000_0000 + UInt64(tick) * 65536
        observations[1] = F.primaryObservation(lsn: primaryLSN, downstream: (2...32).map { "node\($0)" })
        var history: [DashboardQueries.HistorySeries] = []
        for id in 2...32 {
            nodes.append(F.node(id, .standby, upstream: id % 4 == 0 ? id - 1 : 1))
            let lag = UInt64((id * 7919 + tick * 104_729) % 50_000_000)
            observations[id] = F.standbyObservation(received: primaryLSN - lag, lagSeconds: Double(lag % 900))
            let buckets = DashboardSession.historyBuckets
            history.append(
                DashboardQueries.HistorySeries(
                    standbyNodeID: id,
                    replicationLagBytes: (0..<buckets).map { Double(($0 * 31 + id * 17) % 1000) * 65536 },
                    applyLagSeconds: (0..<buckets).map { Double(($0 * 13 + id) % 700) }, rowCount: 43_200))
        }
        let events = (0..<ClusterSnapshot.eventLimit).map { index in
            EventRecord(
                nodeID: index % 32 + 1, nodeName: "node\(index % 32 + 1)", event: "standby_register",
                successful: index % 7 != 0, timestamp: F.epoch, timestampText: "2027-01-15 08:00:00",
                details: "event \(index) details with some text to fill the column")
        }
        return ClusterSnapshot(
            report: ClusterShowReport(nodes: nodes, observations: observations), votingTerm: 7, events: events,
            history: history, historyWindow: .oneDay, newestHistoryRow: F.epoch, historyError: nil,
            daemons: [:], source: "node1", fetchedAt: F.epoch.addingTimeInterval(Double(tick)))
    }

    @Test("render + diff per frame, 32 nodes, 24 h history", arguments: [(120, 40), (200, 60), (300, 90)])
    func frame(size: (Int, Int)) {
        var state = DashboardState(mode: .interactive, operations: [], themes: F.themes(), now: F.epoch)
        for tick in 0..<240 {
            _ = DashboardReducer.reduce(&state, .snapshotLoaded(Self.bigSnapshot(tick: tick)))
        }
        let terminalSize = TerminalSize(columns: size.0, rows: size.1)
        let snapshots = (0..<8).map { Self.bigSnapshot(tick: 240 + $0) }
        var previous = DashboardRenderer.render(state, size: terminalSize)
        let iterations = 300
        var renderTotal: Duration = .zero
        var diffTotal: Duration = .zero
        var reduceTotal: Duration = .zero
        var changedRuns = 0
        let clock = ContinuousClock()
        for index in 0..<iterations {
            let reduceStart = clock.now
            _ = DashboardReducer.reduce(&state, .snapshotLoaded(snapshots[index % snapshots.count]))
            let renderStart = clock.now
            let screen = DashboardRenderer.render(state, size: terminalSize)
            let diffStart = clock.now
            let runs = ScreenDiff.runs(from: previous, to: screen)
            let end = clock.now
            reduceTotal += renderStart - reduceStart
            renderTotal += diffStart - renderStart
            diffTotal += end - diffStart
            changedRuns += runs.count
            previous = screen
        }
        func milliseconds(_ total: Duration) -> String {
            let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
            return String(format: "%.3f ms", seconds * 1000 / Double(iterations))
        }
        print(
            "BENCHMARK render+diff \(size.0)x\(size.1), 32 nodes, 24 h history (120 buckets) + 240 live samples each, "
                + "100 events: render \(milliseconds(renderTotal)), diff \(milliseconds(diffTotal)), "
                + "render+diff \(milliseconds(renderTotal + diffTotal)), reduce \(milliseconds(reduceTotal)) per frame; "
                + "\(changedRuns / iterations) runs written per frame")
    }
}
