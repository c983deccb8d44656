import Testing

@testable import WardenEngine

@Suite("Daemon pause plan")
struct DaemonPauseChangeTests {
    let node2 = NodeRecord(
        nodeID: 2, upstreamNodeID: 1, nodeName: "node2", type: .standby, conninfo: "host=b", replicationUser: "r",
        configFile: "/c")

    func row(paused: Bool, pid: Int?) -> DaemonStatusTable.Row {
        DaemonStatusTable.Row(
            nodeID: 2, pid: pid, paused: paused, lastSeen: nil, upstreamLastSeen: nil, state: "", explanation: "")
    }

    @Test("each node's flag: a pass when it changes, a warning when it already is as asked")
    func nodeChecks() {
        #expect(
            DaemonPauseChange.check(node2, row: nil, pause: true)
                == .pass("node 2 (node2)", "not paused, no daemon has reported"))
        #expect(
            DaemonPauseChange.check(node2, row: row(paused: false, pid: 4242), pause: true)
                == .pass("node 2 (node2)", "not paused, daemon running (PID 4242)"))
        #expect(
            DaemonPauseChange.check(node2, row: row(paused: true, pid: 4242), pause: true)
                == .warning("node 2 (node2)", "node2 is already paused"))
        #expect(
            DaemonPauseChange.check(node2, row: row(paused: true, pid: nil), pause: false)
                == .pass("node 2 (node2)", "paused, daemon not running"))
        #expect(
            DaemonPauseChange.check(node2, row: nil, pause: false)
                == .warning("node 2 (node2)", "node2 is already unpaused"))
    }

    @Test("the operation names follow the CLI commands")
    func names() throws {
        let conninfo = try Conninfo(parsing: "host=127.0.0.1 port=1")
        #expect(DaemonPauseChange(pause: true, via: conninfo).verb == "pause")
        #expect(DaemonPauseChange(pause: false, via: conninfo).participle == "unpaused")
    }
}
