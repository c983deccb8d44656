import Foundation
import Testing

@testable import WardenEngine

/// The formats of `node status` and `node check`, compared with what repmgr 5.3 printed
/// (shared/reference/repmgr-outputs/node_status.txt, node_check.txt, node_check_nagios.txt).
@Suite("node status report")
struct NodeStatusReportTests {
    static let node1 = NodeStatusReport(
        nodeID: 1, nodeName: "node1", type: .primary, inRecovery: false, serverVersion: "15.18",
        totalDataSize: "29 MB",
        conninfo: "host=127.0.0.1 port=5501 user=repmgr dbname=repmgr connect_timeout=2",
        archiveMode: "on", archiveCommand: "/bin/true", pendingArchiveFiles: 0, occupiedWalSenders: 2,
        maxWalSenders: 10, maxReplicationSlots: 10, activeReplicationSlots: 2,
        downstream: [
            DownstreamAttachment(nodeID: 2, nodeName: "node2", attached: true),
            DownstreamAttachment(nodeID: 3, nodeName: "node3", attached: true),
        ])

    static let node2 = NodeStatusReport(
        nodeID: 2, nodeName: "node2", type: .standby, inRecovery: true, serverVersion: "15.18",
        totalDataSize: "29 MB",
        conninfo: "host=127.0.0.1 port=5502 user=repmgr dbname=repmgr connect_timeout=2",
        archiveMode: "on", archiveCommand: "/bin/true", pendingArchiveFiles: 0, occupiedWalSenders: 0,
        maxWalSenders: 10, maxReplicationSlots: 10, upstream: .init(nodeID: 1, nodeName: "node1"),
        replicationLagSeconds: 0, lastReceivedLSN: LSN("0/503BE18"), lastReplayedLSN: LSN("0/503BE18"))

    @Test func primaryTextMatchesRepmgr() {
        #expect(
            Self.node1.lines == [
                "Node \"node1\":",
                "\tPostgreSQL version: 15.18",
                "\tTotal data size: 29 MB",
                "\tConninfo: host=127.0.0.1 port=5501 user=repmgr dbname=repmgr connect_timeout=2",
                "\tRole: primary",
                "\tWAL archiving: enabled",
                "\tArchive command: /bin/true",
                "\tWALs pending archiving: 0 pending files",
                "\tReplication connections: 2 (of maximal 10)",
                "\tReplication slots: 2 physical (of maximal 10; 0 missing)",
                "\tReplication lag: n/a",
            ])
        #expect(Self.node1.warnings.isEmpty)
        #expect(Self.node1.exitStatus == .success)
    }

    @Test func standbyTextMatchesRepmgr() {
        #expect(
            Self.node2.lines == [
                "Node \"node2\":",
                "\tPostgreSQL version: 15.18",
                "\tTotal data size: 29 MB",
                "\tConninfo: host=127.0.0.1 port=5502 user=repmgr dbname=repmgr connect_timeout=2",
                "\tRole: standby",
                "\tWAL archiving: disabled (on standbys \"archive_mode\" must be set to \"always\" to be effective)",
                "\tArchive command: /bin/true",
                "\tWALs pending archiving: 0 pending files",
                "\tReplication connections: 0 (of maximal 10)",
                "\tReplication slots: 0 physical (of maximal 10; 0 missing)",
                "\tUpstream node: node1 (ID: 1)",
                "\tReplication lag: 0 seconds",
                "\tLast received LSN: 0/503BE18",
                "\tLast replayed LSN: 0/503BE18",
            ])
    }

    @Test func witnessHasNoUpstreamOrLSNLines() {
        let witness = NodeStatusReport(
            nodeID: 4, nodeName: "witness", type: .witness, inRecovery: false, serverVersion: "15.18",
            totalDataSize: "29 MB", conninfo: "host=127.0.0.1 port=5504", archiveMode: "on",
            archiveCommand: "/bin/true", upstream: .init(nodeID: 1, nodeName: "node1"))
        #expect(witness.lines.contains("\tRole: witness"))
        #expect(witness.lines.contains("\tWAL archiving: enabled"))
        #expect(witness.lines.last == "\tReplication lag: n/a")
        #expect(!witness.lines.contains { $0.contains("Upstream") || $0.contains("LSN") })
    }

    @Test func primaryCSVMatchesRepmgr() {
        #expect(
            Self.node1.csvLines == [
                "\"Node name\",\"node1\"",
                "\"Node ID\",\"1\"",
                "\"PostgreSQL version\",\"15.18\"",
                "\"Total data size\",\"29 MB\"",
                "\"Conninfo\",\"host=127.0.0.1 port=5501 user=repmgr dbname=repmgr connect_timeout=2\"",
                "\"Role\",\"primary\"",
                "\"WAL archiving\",\"enabled\"",
                "\"Archive command\",\"/bin/true\"",
                "\"WALs pending archiving\",\"0\"",
                "\"Replication connections\",\"2 (of maximal 10)\"",
                "\"Replication slots\",\"2 physical (of maximal 10; 0 missing)\"",
                "\"Upstream node\",\"(none)\"",
                "\"Replication lag\",\"n/a\"",
                "\"Last received LSN\",\"(none)\"",
                "\"Last replayed LSN\",\"(none)\"",
                "\"max_wal_senders\",10",
                "\"occupied_wal_senders\",2",
                "\"max_replication_slots\",10",
                "\"active_replication_slots\",2",
                "\"inactive_replication_slots\",0",
                "\"missing_replication_slots\",0",
            ])
    }

    @Test func standbyCSVMatchesRepmgr() {
        let lines = Self.node2.csvLines
        #expect(
            lines.contains(
                "\"WAL archiving\",\"disabled (on standbys \"archive_mode\" must be set to \"always\" to be effective)\""
            ))
        #expect(lines.contains("\"Upstream node\",\"node1 (ID: 1)\""))
        #expect(lines.contains("\"Replication lag\",\"0 seconds\""))
        #expect(lines.contains("\"Last received LSN\",\"0/503BE18\""))
        #expect(lines.contains("\"Last replayed LSN\",\"0/503BE18\""))
        #expect(lines.count == 21)
    }

    @Test func archivingOffHidesPendingFilesInTextOnly() {
        var report = Self.node1
        report.archiveMode = "off"
        report.archiveCommand = "/bin/true"
        #expect(report.lines.contains("\tWAL archiving: off"))
        #expect(report.lines.contains("\tArchive command: (none)"))
        #expect(!report.lines.contains { $0.contains("WALs pending archiving") })
        #expect(report.csvLines.contains("\"WALs pending archiving\",\"0\""))
    }

    @Test func archiveModeAlwaysArchivesOnStandbys() {
        var report = Self.node2
        report.archiveMode = "always"
        #expect(report.lines.contains("\tWAL archiving: enabled"))
    }

    @Test func problemsBecomeWarningsAndExitCode25() {
        var report = Self.node1
        report.downstream[1].attached = false
        report.activeReplicationSlots = 1
        report.inactiveReplicationSlots = ["repmgr_slot_3"]
        report.missingSlots = [MissingSlot(nodeID: 4, nodeName: "node4", slotName: "repmgr_slot_4")]
        #expect(
            report.lines.contains(
                "\tReplication slots: 2 physical (of maximal 10; 1 missing); 1 inactive"))
        #expect(
            report.warnings == [
                "- 1 of 2 downstream nodes not attached:",
                "  - node3 (ID: 3)",
                "- replication slots missing for following 1 node(s):",
                "  - node4 (ID: 4, slot name: \"repmgr_slot_4\")",
                "- node has 1 inactive physical replication slots",
                "  - repmgr_slot_3",
            ])
        #expect(report.exitStatus == .nodeStatus)
        #expect(
            report.csvLines.suffix(2) == [
                "\"inactive_replication_slots\",1,\"repmgr_slot_3\"",
                "\"missing_replication_slots\",1,\"repmgr_slot_4\"",
            ])
    }

    @Test func roleMismatchAndUnreadableArchiveStatusAreWarnings() {
        var report = Self.node1
        report.inRecovery = true
        report.pendingArchiveFiles = nil
        #expect(
            report.warnings == [
                "- node is registered as primary but running as standby",
                "- unable to check archive_status directory",
            ])
        #expect(!report.lines.contains { $0.contains("WALs pending archiving") })
        #expect(!report.csvLines.contains { $0.contains("WALs pending archiving") })
    }

    @Test func disabledSlotsAndUnregisteredNode() {
        var report = Self.node1
        report.maxReplicationSlots = 0
        report.registered = false
        #expect(report.lines.contains("\tReplication slots: disabled"))
        #expect(report.warnings == ["- node 1 is not registered in the repmgr metadata"])
    }
}

@Suite("node check")
struct NodeCheckTests {
    static let primary = NodeRecord(
        nodeID: 1, upstreamNodeID: nil, nodeName: "node1", type: .primary,
        conninfo: "host=127.0.0.1 port=5501",
        replicationUser: "repmgr", configFile: "/etc/repmgr.conf")
    static let standby = NodeRecord(
        nodeID: 2, upstreamNodeID: 1, nodeName: "node2", type: .standby,
        conninfo: "host=127.0.0.1 port=5502",
        replicationUser: "repmgr", configFile: "/etc/repmgr.conf")
    static let witness = NodeRecord(
        nodeID: 4, upstreamNodeID: 1, nodeName: "witness", type: .witness,
        conninfo: "host=127.0.0.1 port=5504",
        replicationUser: "repmgr", configFile: "/etc/repmgr.conf")

    @Test func nagiosExitCodes() {
        #expect(NodeCheckStatus.allCases.map(\.nagiosExitStatus.rawValue) == [0, 1, 2, 3])
        #expect(NodeCheckStatus.allCases.map(\.label) == ["OK", "WARNING", "CRITICAL", "UNKNOWN"])
    }

    @Test func role() {
        #expect(NodeCheck.role(type: .primary, inRecovery: false).textLine == "OK (node is primary)")
        #expect(
            NodeCheck.role(type: .standby, inRecovery: true).nagiosLine
                == "REPMGR_SERVER_ROLE OK: node is standby")
        #expect(NodeCheck.role(type: .witness, inRecovery: false).detail == "node is witness")
        let wrong = NodeCheck.role(type: .primary, inRecovery: true)
        #expect(wrong.status == .critical)
        #expect(wrong.textLine == "CRITICAL (node is registered as primary but running as standby)")
        #expect(
            NodeCheck.role(type: .standby, inRecovery: false).detail
                == "node is registered as standby but running as primary")
        #expect(NodeCheck.role(type: .witness, inRecovery: true).status == .critical)
    }

    @Test func replicationLagOnPrimaryAndWitness() {
        let primary = NodeCheck.replicationLag(
            type: .primary, inRecovery: false, lagSeconds: 0, warning: 300, critical: 600)
        #expect(primary.textLine == "OK (N/A - node is primary)")
        #expect(primary.nagiosLine == "REPMGR_REPLICATION_LAG OK: 0 seconds | lag=0;300;600")
        let witness = NodeCheck.replicationLag(
            type: .witness, inRecovery: false, lagSeconds: 0, warning: 300, critical: 600)
        #expect(witness.detail == "N/A - node is witness")
    }

    @Test(arguments: [
        (0, NodeCheckStatus.ok, "0 seconds"),
        (2, .ok, "2 seconds"),
        (300, .ok, "300 seconds"),
        (301, .warning, "301 seconds, warning threshold: 300"),
        (599, .warning, "599 seconds, warning threshold: 300"),
        (600, .critical, "600 seconds, critical threshold: 600"),
        (7200, .critical, "7200 seconds, critical threshold: 600"),
    ])
    func replicationLagThresholds(lag: Int, status: NodeCheckStatus, detail: String) {
        let result = NodeCheck.replicationLag(
            type: .standby, inRecovery: true, lagSeconds: lag, warning: 300, critical: 600)
        #expect(result.status == status)
        #expect(result.detail == detail)
        #expect(
            result.nagiosLine
                == "REPMGR_REPLICATION_LAG \(status.label): \(lag) seconds | lag=\(lag);300;600")
    }

    @Test func unknownReplicationLag() {
        let result = NodeCheck.replicationLag(
            type: .standby, inRecovery: true, lagSeconds: nil, warning: 300, critical: 600)
        #expect(result.status == .unknown)
        #expect(result.nagiosLine == "REPMGR_REPLICATION_LAG UNKNOWN: unable to query replication lag")
    }

    @Test(arguments: [
        (0, NodeCheckStatus.ok, "0 pending archive ready files"),
        (16, .ok, "16 pending archive ready files"),
        (17, .warning, "17 pending archive ready files (threshold: 16)"),
        (128, .warning, "128 pending archive ready files (threshold: 16)"),
        (129, .critical, "129 pending archive ready files, critical threshold: 128"),
    ])
    func archiveReadyThresholds(files: Int, status: NodeCheckStatus, detail: String) {
        let result = NodeCheck.archiveReady(pendingFiles: files, warning: 16, critical: 128)
        #expect(result.status == status)
        #expect(result.detail == detail)
        #expect(
            result.nagiosLine
                == "REPMGR_ARCHIVE_READY \(status.label): \(files) pending archive ready files | files=\(files);16;128"
        )
    }

    @Test func unreadableArchiveStatus() {
        let result = NodeCheck.archiveReady(pendingFiles: nil, warning: 16, critical: 128)
        #expect(result.textLine == "UNKNOWN (unable to check archive_status directory)")
        #expect(result.perfdata == nil)
    }

    @Test func upstream() {
        let primary = NodeCheck.upstream(node: Self.primary, inRecovery: false, state: .noRecord)
        #expect(primary.nagiosLine == "REPMGR_UPSTREAM_SERVER OK: N/A - node is primary")
        let attached = NodeCheck.upstream(
            node: Self.standby, inRecovery: true, state: .attached(Self.primary))
        #expect(
            attached.textLine
                == "OK (node \"node2\" (ID: 2) is attached to expected upstream node \"node1\" (ID: 1))")
        let detached = NodeCheck.upstream(
            node: Self.standby, inRecovery: true, state: .notAttached(Self.primary))
        #expect(detached.status == .critical)
        #expect(
            detached.nagiosLine
                == "REPMGR_UPSTREAM_SERVER CRITICAL: node \"node2\" (ID: 2) is not attached to expected upstream node \"node1\" (ID: 1)"
        )
        let orphan = NodeCheck.upstream(node: Self.standby, inRecovery: true, state: .noRecord)
        #expect(
            orphan.textLine
                == "CRITICAL (node \"node2\" (ID: 2) is a standby but no upstream record found)")
        let witness = NodeCheck.upstream(node: Self.witness, inRecovery: false, state: .noRecord)
        #expect(witness.textLine == "OK (N/A - node is a witness)")
    }

    @Test func downstream() {
        let two = [
            DownstreamAttachment(nodeID: 2, nodeName: "node2", attached: true),
            DownstreamAttachment(nodeID: 3, nodeName: "node3", attached: true),
        ]
        let all = NodeCheck.downstream(type: .primary, children: two)
        #expect(all.textLine == "OK (2 of 2 downstream nodes attached)")
        #expect(
            all.nagiosLine
                == "REPMGR_DOWNSTREAM_SERVERS OK: 2 of 2 downstream nodes attached | attached=2, missing=0")
        var oneMissing = two
        oneMissing[1].attached = false
        let missing = NodeCheck.downstream(type: .primary, children: oneMissing)
        #expect(missing.status == .critical)
        #expect(
            missing.textLine == "CRITICAL (1 of 2 downstream nodes not attached; missing: node3 (ID: 3))")
        #expect(
            missing.nagiosLine
                == "REPMGR_DOWNSTREAM_SERVERS CRITICAL: 1 of 2 downstream nodes not attached (missing: node3 (ID: 3)) | attached=1, missing=1"
        )
        let none = NodeCheck.downstream(type: .standby, children: [])
        #expect(
            none.nagiosLine
                == "REPMGR_DOWNSTREAM_SERVERS OK: this node has no downstream nodes | attached=0, missing=0"
        )
        #expect(NodeCheck.downstream(type: .witness, children: []).detail == "N/A - node is a witness")
    }

    @Test func slots() {
        #expect(
            NodeCheck.slots(total: 2, inactive: 0).nagiosLine
                == "REPMGR_INACTIVE_SLOTS OK: 2 of 2 physical replication slots are active | slots=2;0")
        #expect(
            NodeCheck.slots(total: 0, inactive: 0).nagiosLine
                == "REPMGR_INACTIVE_SLOTS OK: node has no physical replication slots | slots=0;0")
        let inactive = NodeCheck.slots(total: 2, inactive: 1)
        #expect(inactive.textLine == "CRITICAL (1 of 2 physical replication slots are inactive)")
        #expect(inactive.perfdata == "slots=2;1")
    }

    @Test func missingSlots() {
        #expect(
            NodeCheck.missingSlots([]).nagiosLine
                == "REPMGR_MISSING_SLOTS OK: node has no missing physical replication slots | missing_slots=0"
        )
        let missing = NodeCheck.missingSlots([
            MissingSlot(nodeID: 2, nodeName: "node2", slotName: "repmgr_slot_2"),
            MissingSlot(nodeID: 3, nodeName: "node3", slotName: "repmgr_slot_3"),
        ])
        #expect(
            missing.textLine
                == "CRITICAL (2 physical replication slots are missing: repmgr_slot_2, repmgr_slot_3)")
        #expect(missing.perfdata == "missing_slots=2;repmgr_slot_2,repmgr_slot_3")
    }

    @Test func dataDirectory() {
        let same = NodeCheck.dataDirectoryConfig(
            configured: "/srv/node1/data", observed: .actual("/srv/node1/data"))
        #expect(same.textLine == "OK (configured \"data_directory\" is \"/srv/node1/data\")")
        #expect(same.nagiosLine == "REPMGR_DATA_DIRECTORY OK: /srv/node1/data")
        #expect(
            NodeCheck.dataDirectoryConfig(
                configured: "/srv/node1/data", observed: .actual("/srv/node1/data/")
            ).status
                == .ok)
        let different = NodeCheck.dataDirectoryConfig(
            configured: "/srv/old", observed: .actual("/srv/new"))
        #expect(
            different.textLine
                == "CRITICAL (configured \"data_directory\" is \"/srv/old\"; actual data directory is \"/srv/new\")"
        )
        #expect(
            different.nagiosLine
                == "REPMGR_DATA_DIRECTORY CRITICAL: /srv/old | actual data directory is \"/srv/new\"")
        let fallback = NodeCheck.dataDirectoryConfig(
            configured: "/srv/x", observed: .notReadable(configuredLooksLikeDataDirectory: false))
        #expect(fallback.status == .critical)
        #expect(
            NodeCheck.dataDirectoryConfig(
                configured: "/srv/x", observed: .notReadable(configuredLooksLikeDataDirectory: true)
            )
            .status == .ok)
    }

    @Test("--repmgrd: running, paused, not running, and stalled (SIGSTOP) by its status file's age")
    func daemonCheck() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        func facts(
            pid: Int32? = 4242, writtenAgo: TimeInterval? = 1, statusPID: Int? = 4242, paused: Bool = false,
            primary: Bool = false
        ) -> NodeCheck.DaemonFacts {
            NodeCheck.DaemonFacts(
                pid: pid, statusWrittenAt: writtenAgo.map { now.addingTimeInterval(-$0) }, statusPID: statusPID,
                paused: paused, isPrimary: primary, staleAfter: 6)
        }
        #expect(NodeCheck.daemon(facts(), now: now).nagiosLine == "REPMGRD OK: repmgrd running")
        #expect(NodeCheck.daemon(facts(paused: true), now: now).textLine == "WARNING (repmgrd running but paused)")
        #expect(NodeCheck.daemon(facts(pid: nil), now: now).textLine == "CRITICAL (repmgrd not running)")
        let stalled = NodeCheck.daemon(facts(writtenAgo: 9, primary: true), now: now)
        #expect(stalled.status == .critical)
        #expect(
            stalled.detail.hasPrefix("repmgrd running (PID 4242) but has not reported for 9 seconds: stopped or hung"))
        #expect(stalled.detail.contains("cannot fence this primary"))
        // A status file left by an earlier daemon does not vouch for this one.
        #expect(NodeCheck.daemon(facts(statusPID: 17), now: now).status == .critical)
        #expect(NodeCheck.daemon(facts(writtenAgo: nil), now: now).detail.contains("has not reported yet"))
    }

    static func overview(downstreamAttached: Bool) -> NodeCheckReport {
        NodeCheckReport(
            nodeName: "node1", nodeID: 1,
            results: [
                NodeCheck.role(type: .primary, inRecovery: false),
                NodeCheck.replicationLag(
                    type: .primary, inRecovery: false, lagSeconds: 0, warning: 300, critical: 600),
                NodeCheck.archiveReady(pendingFiles: 0, warning: 16, critical: 128),
                NodeCheck.upstream(node: primary, inRecovery: false, state: .noRecord),
                NodeCheck.downstream(
                    type: .primary,
                    children: [
                        DownstreamAttachment(nodeID: 2, nodeName: "node2", attached: true),
                        DownstreamAttachment(nodeID: 3, nodeName: "node3", attached: downstreamAttached),
                    ]),
                NodeCheck.slots(total: 2, inactive: downstreamAttached ? 0 : 1),
                NodeCheck.missingSlots([]),
                NodeCheck.dataDirectoryConfig(
                    configured: "$BASE/node1/data", observed: .actual("$BASE/node1/data")),
            ])
    }

    @Test func overviewMatchesRepmgr() {
        let report = Self.overview(downstreamAttached: true)
        #expect(
            report.lines == [
                "Node \"node1\":",
                "\tServer role: OK (node is primary)",
                "\tReplication lag: OK (N/A - node is primary)",
                "\tWAL archiving: OK (0 pending archive ready files)",
                "\tUpstream connection: OK (N/A - node is primary)",
                "\tDownstream servers: OK (2 of 2 downstream nodes attached)",
                "\tReplication slots: OK (2 of 2 physical replication slots are active)",
                "\tMissing physical replication slots: OK (node has no missing physical replication slots)",
                "\tConfigured data directory: OK (configured \"data_directory\" is \"$BASE/node1/data\")",
            ])
        #expect(report.exitStatus == .success)
    }

    @Test func csvOverviewMatchesRepmgr() {
        #expect(
            Self.overview(downstreamAttached: true).csvLines == [
                "\"Node name\",\"node1\"",
                "\"Node ID\",\"1\"",
                "\"Server role\",\"OK\",\"node is primary\"",
                "\"Replication lag\",\"OK\"",
                "\"WAL archiving\",\"OK\"",
                "\"Downstream servers\",\"OK\",\"2 of 2 downstream nodes attached\"",
                "\"Replication slots\",\"OK\",\"2 of 2 physical replication slots are active\"",
                "\"Missing physical replication slots\",\"OK\",\"node has no missing physical replication slots\"",
                "\"Configured data directory\",\"OK\",\"configured \"data_directory\" is \"$BASE/node1/data\"\"",
            ])
    }

    @Test func overviewWithAProblemExits25() {
        let report = Self.overview(downstreamAttached: false)
        #expect(
            report.lines[5]
                == "\tDownstream servers: CRITICAL (1 of 2 downstream nodes not attached; missing: node3 (ID: 3))"
        )
        #expect(
            report.lines[6]
                == "\tReplication slots: CRITICAL (1 of 2 physical replication slots are inactive)")
        #expect(report.exitStatus == .nodeStatus)
        #expect(report.worstStatus == .critical)
    }

    @Test func overviewOrderAndOptions() {
        #expect(
            NodeCheckKind.overview.map(\.title) == [
                "Server role", "Replication lag", "WAL archiving", "Upstream connection",
                "Downstream servers",
                "Replication slots", "Missing physical replication slots", "Configured data directory",
            ])
        #expect(NodeCheckKind.allCases.first == .archiveReady)
        #expect(NodeCheckKind.dataDirectoryConfig.option == "--data-directory-config")
    }
}
