import ArgumentParser
import WardenEngine

/// `pgwarden cluster cleanup`.
struct ClusterCleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Delete old rows from repmgr.monitoring_history on the primary (cron-friendly).",
        discussion: """
            Without --keep-history every row is deleted. The table is vacuumed afterwards and a cluster_cleanup \
            event is recorded.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("k"), .long], help: "Keep rows newer than this many days (default 0: delete all).")
    var keepHistory: Int = 0
    @Option(parsing: .unconditional, help: "Only delete rows of this standby node ID.", transform: NodeIDArgument.parse)
    var nodeId: Int?

    func validate() throws {
        if keepHistory < 0 { throw ValidationError("--keep-history must be 0 or more days") }
    }

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: false)
        let cleanup = ClusterCleanup(configuration: context.configuration, keepHistoryDays: keepHistory, nodeID: nodeId)
        try await cleanup.run(via: context.localConninfo(), report: context.console.sink)
    }
}

/// `pgwarden cluster matrix`.
struct ClusterMatrixCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Show which node can reach which, each row seen from that node's own host (no SSH).",
        discussion: """
            Row N is what node N's host sees: pgwarden asks node N's server to run pg_isready against every node \
            (COPY ... TO PROGRAM, which needs a superuser or pg_execute_server_program). "*" reachable, "x" not \
            reachable, "?" unknown (node N itself could not be asked). Exits with 25 when a cell is not "*", \
            12 when a reachable node could not run the probes.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Machine-readable row_id,column_id,status lines (0 reachable, -1 not, -2 unknown).") var csv = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: false)
        let matrix = try await ConnectivityMatrix.matrix(via: context.localConninfo(), report: context.console.sink)
        try Self.show(matrix, csv: csv, terse: global.terse)
    }

    /// Prints a matrix (table or CSV) and its warnings; ends with its exit status.
    static func show(_ matrix: ConnectivityMatrix, csv: Bool, terse: Bool) throws {
        if csv {
            matrix.csvLines.forEach(Console.out)
        } else {
            matrix.lines.forEach(Console.out)
            if !matrix.warnings.isEmpty && !terse {
                Console.err("WARNING: following problems detected:")
                for warning in matrix.warnings { Console.err("  - \(warning)") }
            }
        }
        if matrix.exitStatus != .success { throw CommandExit(status: matrix.exitStatus) }
    }
}

/// `pgwarden cluster crosscheck`.
struct ClusterCrosscheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosscheck",
        abstract: "Like cluster matrix, but merging every node's own view of the whole matrix (no SSH).",
        discussion: """
            Every node's host is asked (through its server) to connect to each node with psql and have that \
            node's host probe every node; those views and the one from here are merged: "*" if any view saw the \
            connection work, else "x" if any saw it fail, else "?". Exit codes as for cluster matrix.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Machine-readable row_id,column_id,status lines (0 reachable, -1 not, -2 unknown).") var csv = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: false)
        let matrix = try await ConnectivityMatrix.crosscheck(
            via: context.localConninfo(), report: context.console.sink)
        try ClusterMatrixCommand.show(matrix, csv: csv, terse: global.terse)
    }
}
