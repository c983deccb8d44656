import ArgumentParser
import WardenEngine

/// `pgwarden node rejoin`.
struct NodeRejoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejoin",
        abstract: "Attach this stopped node (e.g. a failed primary) as a standby of the current primary.",
        discussion:
            "Give any live node with -d; pg_rewind runs when the node's timeline diverged and --force-rewind is set."
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Run pg_rewind when the node's timeline diverged or it was not shut down cleanly.")
    var forceRewind = false
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        guard global.hasConnectionOptions else {
            throw WardenError(
                "no live node to connect to was given", hint: "give any running node of the cluster with -d or -h/-p",
                exitStatus: .badConfig)
        }
        let operation = NodeRejoin(
            configuration: try context.requireConfiguration(), source: try global.connectionConninfo(base: nil),
            forceRewind: forceRewind)
        let prepared = try await operation.prepare(report: context.console.sink)
        try OperationRunner.finishDryRun(prepared.plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        try await operation.run(prepared, report: context.console.sink)
    }
}
