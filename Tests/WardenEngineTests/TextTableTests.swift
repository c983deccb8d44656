import Testing

@testable import WardenEngine

@Suite("Text table")
struct TextTableTests {
    @Test("lays out like repmgr: padded columns, dash line one longer than the header")
    func repmgrLayout() {
        let table = TextTable(
            headers: ["ID", "Name", "Status"],
            rows: [["1", "node1", "* running"], ["2", "node2", "  running"]])
        #expect(
            table.lines() == [
                " ID | Name  | Status   ",
                "----+-------+-----------",
                " 1  | node1 | * running",
                " 2  | node2 |   running",
            ])
    }

    @Test("compact rows keep a trailing space, the header does not")
    func trailingSpace() {
        let lines = TextTable(headers: ["ID", "TLI"], rows: [["1", "n/a"]]).lines(trailingSpaceOnRows: true)
        #expect(lines == [" ID | TLI", "----+-----", " 1  | n/a "])
    }

    @Test("wide characters count as two cells")
    func wideCharacters() {
        #expect(TextTable.width(of: "nöde") == 4)
        #expect(TextTable.width(of: "节点") == 4)
        let lines = TextTable(headers: ["Name"], rows: [["节点"]]).lines()
        #expect(lines[0] == " Name")
        #expect(lines[2] == " 节点")
    }

    @Test("cluster show marks nodes like repmgr")
    func clusterShowMarkers() {
        let nodes = [
            NodeRecord(
                nodeID: 1, upstreamNodeID: nil, nodeName: "node1", type: .primary, conninfo: "host=a password=x",
                replicationUser: "r", configFile: "/c"),
            NodeRecord(
                nodeID: 2, upstreamNodeID: 1, nodeName: "node2", type: .standby, conninfo: "host=b",
                replicationUser: "r", configFile: "/c"),
            NodeRecord(
                nodeID: 3, upstreamNodeID: 1, active: false, nodeName: "node3", type: .standby, conninfo: "host=c",
                replicationUser: "r", configFile: "/c"),
        ]
        let primary = NodeObservation(
            inRecovery: false, timeline: 1, currentLSN: LSN(100), receiveLSN: nil, replayLSN: nil,
            replayLagSeconds: nil, walReceiverStatus: nil, senderHost: nil, senderPort: nil,
            downstream: [
                .init(applicationName: "node2", state: "streaming", sentLSN: nil, flushLSN: nil, replayLSN: nil)
            ],
            serverVersion: "15")
        let standby = NodeObservation(
            inRecovery: true, timeline: 1, currentLSN: nil, receiveLSN: LSN(100), replayLSN: LSN(100),
            replayLagSeconds: 0, walReceiverStatus: "streaming", senderHost: "a", senderPort: 1, downstream: [],
            serverVersion: "15")
        let report = ClusterShowReport(
            nodes: nodes, observations: [1: primary, 2: standby, 3: NodeObservation(unreachable: "refused")])
        #expect(report.rows.map(\.status) == ["* running", "  running", "- failed"])
        #expect(report.rows.map(\.upstream) == ["", "node1", "? node1"])
        #expect(report.rows[0].maskedConninfo == "host=a password=********")
        #expect(report.csvLines == ["1,0,0", "2,0,1", "3,-1,-1"])
        #expect(report.exitStatus == .nodeStatus)
        #expect(report.issues == ["unable to connect to node \"node3\" (ID: 3)"])
    }
}
