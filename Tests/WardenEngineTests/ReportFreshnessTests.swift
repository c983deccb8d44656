import Testing

@testable import WardenEngine

@Suite("Peer report freshness by the reader's own clock")
struct ReportFreshnessTests {
    private func report(_ publication: Int) -> PeerReport {
        PeerReport(
            view: .unreachable(
                NodeRecord(
                    nodeID: 2, upstreamNodeID: 1, nodeName: "node2", type: .standby, conninfo: "", replicationUser: "",
                    configFile: "")), publication: publication)
    }

    @Test("a report stays fresh while its publication changes, and goes stale once it has not for the limit")
    func stalePublication() {
        let freshness = ReportFreshness(limit: .seconds(6))
        let start = ContinuousClock.now
        #expect(freshness.isFresh(report(7), from: 2, now: start))
        #expect(freshness.isFresh(report(7), from: 2, now: start + .seconds(5)))
        #expect(!freshness.isFresh(report(7), from: 2, now: start + .seconds(6)))
        // The daemon publishes again (or restarted: its numbers begin anew): fresh from now on.
        #expect(freshness.isFresh(report(1), from: 2, now: start + .seconds(7)))
        #expect(freshness.isFresh(report(2), from: 2, now: start + .seconds(13)))
        // Another peer's sightings are its own.
        #expect(freshness.isFresh(report(2), from: 3, now: start + .seconds(30)))
    }
}
