import ArgumentParser
import Foundation
import WardenEngine

/// `pgwarden node ...`: views of the local node.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Show the local node's status and run health checks on it.",
        subcommands: [
            NodeStatus.self, NodeCheck.self, NodeRejoinCommand.self, NodeService.self, NodeFenceCommand.self,
            NodeUnfenceCommand.self,
        ]
    )
}

/// `pgwarden node status`.
struct NodeStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Show an overview of the local node: version, size, role, archiving, replication and lag.",
        discussion: "Exits with 25 when a problem was found (listed as warnings after the overview)."
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Output as \"key\",\"value\" lines followed by the raw counters.") var csv = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let report = try await NodeStatusReport.gather(
            configuration: context.requireConfiguration(), conninfo: context.localConninfo())
        if csv {
            report.csvLines.forEach(Console.out)
        } else {
            report.lines.forEach(Console.out)
            Console.out("")
            let warnings = report.warnings
            if !warnings.isEmpty && !global.terse {
                Console.err("WARNING: following issue(s) were detected:")
                for warning in warnings { Console.err("  \(warning)") }
                Console.err("HINT: execute \"pgwarden node check\" for more details")
            }
        }
        if report.exitStatus != .success { throw CommandExit(status: report.exitStatus) }
    }
}

/// `pgwarden node check`.
struct NodeCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run replication health checks on the local node.",
        discussion: """
            Without an individual check option every check runs and the command exits with 0 when all are OK, \
            25 otherwise. With one individual check option only that check runs and the command exits with its \
            Nagios code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (with or without --nagios).
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Check the node runs in the role it is registered with.") var role = false
    @Flag(help: "Check replication lag against replication_lag_warning/critical.")
    var replicationLag = false
    @Flag(help: "Check pending WAL archive files against archive_ready_warning/critical.")
    var archiveReady = false
    @Flag(help: "Check the node is attached to its upstream.") var upstream = false
    @Flag(help: "Check the registered downstream nodes are attached.") var downstream = false
    @Flag(help: "Check for inactive physical replication slots.") var slots = false
    @Flag(help: "Check for replication slots that registered standbys need but that do not exist.")
    var missingSlots = false
    @Flag(help: "Check the daemon's state (pgwarden has no daemon yet: UNKNOWN).") var repmgrd = false
    @Flag(help: "Check the configured data_directory is the server's.") var dataDirectoryConfig =
        false
    @Flag(help: "Nagios plugin output (individual checks only).") var nagios = false
    @Flag(help: "CSV output (all checks only).") var csv = false

    /// The individual checks asked for, in repmgr's precedence order.
    var selectedChecks: [NodeCheckKind] {
        NodeCheckKind.allCases.filter { kind in
            switch kind {
            case .archiveReady: archiveReady
            case .upstream: upstream
            case .downstream: downstream
            case .replicationLag: replicationLag
            case .role: role
            case .slots: slots
            case .missingSlots: missingSlots
            case .dataDirectoryConfig: dataDirectoryConfig
            case .repmgrd: repmgrd
            }
        }
    }

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let configuration = try context.requireConfiguration()
        let conninfo = try context.localConninfo()
        // repmgr runs only the first individual check when several are given.
        guard let single = selectedChecks.first else {
            if nagios {
                throw WardenError(
                    "--nagios can only be used with a specific check",
                    hint: "execute \"pgwarden node check --help\" for details", exitStatus: .badConfig)
            }
            let report = try await WardenEngine.NodeCheck.run(
                NodeCheckKind.overview, configuration: configuration, conninfo: conninfo)
            report.messages.forEach(context.console.show)
            if csv {
                report.csvLines.forEach(Console.out)
            } else {
                report.lines.forEach(Console.out)
            }
            if report.exitStatus != .success { throw CommandExit(status: report.exitStatus) }
            return
        }
        if csv && !nagios {
            throw WardenError(
                "--csv output not provided with \(single.option) option", exitStatus: .badConfig)
        }
        let report = try await WardenEngine.NodeCheck.run(
            [single], configuration: configuration, conninfo: conninfo)
        if !nagios { report.messages.forEach(context.console.show) }
        for result in report.results {
            Console.out(nagios ? result.nagiosLine : result.textLine)
        }
        let status = report.worstStatus
        if status != .ok { throw CommandExit(status: status.nagiosExitStatus) }
    }
}
