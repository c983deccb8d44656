import ArgumentParser
import Foundation
import WardenEngine

/// `pgwarden cluster ...`: views of the whole cluster.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Show the cluster and its event history.",
        subcommands: [
            ClusterShow.self, ClusterEvents.self, ClusterMatrixCommand.self, ClusterCrosscheckCommand.self,
            ClusterCleanupCommand.self,
        ]
    )
}

/// `pgwarden cluster show`.
struct ClusterShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show every registered node, its role and its status, as seen from here.",
        discussion: """
            Status markers: "* running" primary or witness, "  running" standby, "! running as ..." a role other
            than the registered one, "? unreachable" active but not reachable, "- failed" inactive and not running.
            Exits with 25 when a problem was found.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Leave out the connection string column.") var compact = false
    @Flag(help: "Machine-readable node_id,connection,recovery lines (0 = up/primary, 1 = standby, -1 = down/unknown).")
    var csv = false
    @Flag(help: "One JSON object per node with every column and the observed facts.") var json = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: false)
        let report = try await ClusterInspector.show(via: context.localConninfo())
        if json {
            Console.out(try ClusterShowJSON.encode(report))
        } else if csv {
            report.csvLines.forEach(Console.out)
        } else {
            if !report.issues.isEmpty {
                var warning = "WARNING: following issues were detected\n"
                for issue in report.issues { warning += "  - \(issue)\n" }
                Console.err(warning)
                if global.verbose {
                    for row in report.rows where !row.observation.reachable {
                        Console.err("DETAIL: \(row.node.label): \(row.observation.error ?? "unreachable")")
                    }
                } else {
                    Console.err("HINT: execute with --verbose option to see connection error messages")
                }
            }
            report.table(compact: compact).lines(trailingSpaceOnRows: compact).forEach(Console.out)
            if !report.issues.isEmpty { Console.out("") }
        }
        if report.exitStatus != .success { throw CommandExit(status: report.exitStatus) }
    }
}

/// `pgwarden cluster events` (alias `event`).
struct ClusterEvents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List events from repmgr.events, newest first.",
        aliases: ["event"]
    )

    @OptionGroup var global: GlobalOptions
    @Option(parsing: .unconditional, help: "Show at most this many events (default 20).") var limit: Int?
    @Flag(help: "Show all events.") var all = false
    @Option(parsing: .unconditional, help: "Only events of this node ID.", transform: NodeIDArgument.parse)
    var nodeId: Int?
    @Option(help: "Only events of the node with this name.") var nodeName: String?
    @Option(help: "Only events of this type, e.g. standby_promote.") var event: String?
    @Flag(help: "Leave out the Details column.") var compact = false
    @Flag(help: "Comma-separated output.") var csv = false
    @Flag(help: "JSON array output.") var json = false

    func validate() throws {
        if let limit, limit < 1 {
            throw ValidationError("--limit must be a positive number (got \(limit))")
        }
    }

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: false)
        let filter = EventFilter(limit: all ? nil : (limit ?? 20), nodeID: nodeId, nodeName: nodeName, event: event)
        let events = try await ClusterInspector.events(via: context.localConninfo(), filter: filter)
        if json {
            Console.out(try EventsJSON.encode(events))
        } else if csv {
            for record in events {
                let fields = [
                    String(record.nodeID), record.nodeName, record.event, record.successful ? "t" : "f",
                    record.timestampText,
                ]
                Console.out(fields.map(TerminalText.singleLine).joined(separator: ","))
            }
        } else {
            var headers = ["Node ID", "Name", "Event", "OK", "Timestamp"]
            if !compact { headers.append("Details") }
            let rows = events.map { record in
                var cells = [
                    String(record.nodeID), record.nodeName, record.event, record.successful ? "t" : "f",
                    record.timestampText,
                ]
                if !compact { cells.append(record.details) }
                return cells
            }
            TextTable(headers: headers, rows: rows).lines().forEach(Console.out)
            Console.out("")
        }
    }
}
