import Foundation
import Testing

@testable import WardenEngine

/// The parts of fencing that need no server: the fence command line (hostile node names stay inert),
/// the fenced status in `cluster show` and `node status`.
@Suite("Fencing")
struct FencingTests {
    static let subject = FenceSubject(
        nodeID: 5, nodeName: "x'; touch /tmp/pwned; '$(id)`id`", primaryNodeID: 1,
        primaryConninfo: "host=a password=secret", term: 3, reason: "disk check")

    @Test("fence_command placeholders: node ID, name, primary, term, quoted for their shell context")
    func commandLine() {
        let command = FenceCommand("/usr/local/bin/fence %n %a %p %t \"%d\" '%a'", fence: true)
        #expect(
            command.commandLine(for: Self.subject)
                == "/usr/local/bin/fence 5 'x'\\''; touch /tmp/pwned; '\\''$(id)`id`' 1 3 \"disk check\" "
                + "'x'\\''; touch /tmp/pwned; '\\''$(id)`id`'")
        #expect(command.event == "node_fence")
        let environment = command.environment(for: Self.subject)
        #expect(environment["PGWARDEN_FENCE_NODE_NAME"] == Self.subject.nodeName)
        #expect(environment["PGWARDEN_FENCE_TERM"] == "3")
        #expect(environment["PGWARDEN_NODE_ID"] == "5")
        #expect(environment["PGWARDEN_PRIMARY_NODE_ID"] == "1")
        // Only what the template uses: no %e, no %c.
        #expect(environment["PGWARDEN_EVENT"] == nil)
        #expect(environment["PGWARDEN_PRIMARY_CONNINFO"] == nil)
    }

    @Test("%c and PGWARDEN_PRIMARY_CONNINFO carry the primary's conninfo without its password")
    func conninfoWithoutPassword() {
        let command = FenceCommand("/usr/local/bin/fence %c \"$PGWARDEN_PRIMARY_CONNINFO\"", fence: true)
        #expect(
            command.commandLine(for: Self.subject) == "/usr/local/bin/fence 'host=a' \"$PGWARDEN_PRIMARY_CONNINFO\"")
        #expect(command.environment(for: Self.subject)["PGWARDEN_PRIMARY_CONNINFO"] == "host=a")
    }

    @Test("fence_command / unfence_command come from the configuration; blank means none")
    func fromConfiguration() throws {
        let text = """
            node_id=2
            node_name='node2'
            conninfo='host=127.0.0.1 dbname=repmgr'
            data_directory='/data'
            fence_command='/bin/fence %n'
            unfence_command='  '
            """
        let configuration = try ConfigurationLoader.parse(text: text, path: "/etc/repmgr.conf").0
        #expect(FenceCommand(configuration: configuration, fence: true)?.template.text == "/bin/fence %n")
        #expect(FenceCommand(configuration: configuration, fence: false) == nil)
        #expect(FenceCommand(configuration: nil, fence: true) == nil)
    }

    @Test("cluster show: a fenced node's status ends with (fenced) and is listed as an issue")
    func clusterShow() {
        let nodes = [
            NodeRecord(
                nodeID: 1, upstreamNodeID: nil, nodeName: "node1", type: .primary, conninfo: "host=a",
                replicationUser: "repmgr", configFile: ""),
            NodeRecord(
                nodeID: 2, upstreamNodeID: 1, nodeName: "node2", type: .standby, conninfo: "host=b",
                replicationUser: "repmgr", configFile: ""),
        ]
        let primary = NodeObservation(
            inRecovery: false, timeline: 1, currentLSN: LSN(100), receiveLSN: nil, replayLSN: nil,
            replayLagSeconds: nil, walReceiverStatus: nil, senderHost: nil, senderPort: nil,
            downstream: [
                .init(applicationName: "node2", state: "streaming", sentLSN: nil, flushLSN: nil, replayLSN: nil)
            ], serverVersion: "15")
        let fences = [
            1: FenceRecord(nodeID: 1, fenced: true, method: .readOnly, reason: "maintenance"),
            2: FenceRecord(nodeID: 2, fenced: false, method: .stop, reason: "manual unfence"),
        ]
        let report = ClusterShowReport(
            nodes: nodes, observations: [1: primary, 2: NodeObservation(unreachable: "refused")], fences: fences)
        #expect(report.rows.map(\.status) == ["* running (fenced)", "? unreachable"])
        #expect(report.rows.map(\.fenced) == [true, false])
        #expect(
            report.issues.contains("node \"node1\" (ID: 1) is fenced (read-only: default_transaction_read_only=on)"))
        #expect(report.csvLines == ["1,0,0", "2,-1,-1"])
    }

    @Test("node status: a Fenced line after Role and a warning")
    func nodeStatus() {
        let report = NodeStatusReport(
            nodeID: 1, nodeName: "node1", type: .primary, inRecovery: false, serverVersion: "15.18",
            totalDataSize: "29 MB", conninfo: "host=a",
            fence: FenceRecord(nodeID: 1, fenced: true, method: .command, reason: "vip moved"))
        #expect(report.lines[4...5] == ["\tRole: primary", "\tFenced: yes (fence_command; reason: vip moved)"])
        #expect(report.warnings.contains("- node is fenced (fence_command)"))
        #expect(report.exitStatus == .nodeStatus)
        let unfenced = NodeStatusReport(
            nodeID: 1, nodeName: "node1", type: .primary, inRecovery: false, serverVersion: "15.18",
            totalDataSize: "29 MB", conninfo: "host=a")
        #expect(!unfenced.lines.contains { $0.contains("Fenced") })
    }
}
