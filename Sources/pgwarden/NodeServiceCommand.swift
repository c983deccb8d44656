import ArgumentParser
import WardenEngine

/// `pgwarden node service`: start, stop, restart, reload or promote the local server.
struct NodeService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Start, stop, restart, reload or promote the local PostgreSQL server.",
        discussion: """
            Runs the configured service_<action>_command, or pg_ctl from pg_bindir when none is set (start and \
            restart log to <data_directory>/pgwarden-server.log unless pg_ctl_options gives -l). Run it as the \
            user that owns the data directory. --list-actions shows the command of every action (or, with \
            --action, of that one) without running anything. Exits with 5 when the command fails.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "start, stop, restart, reload or promote.") var action: String?
    @Flag(help: "Show the command each action would run.") var listActions = false
    @Flag(help: "Issue a CHECKPOINT before stop or restart.") var checkpoint = false
    @Flag(help: "Show the command that would run, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let service = WardenEngine.NodeService(configuration: try context.requireConfiguration())
        var chosen: WardenEngine.NodeService.Action?
        if let action, !action.isEmpty {
            guard let parsed = WardenEngine.NodeService.Action(rawValue: action.lowercased()) else {
                throw WardenError(
                    "unknown value \"\(action)\" provided for parameter --action",
                    hint: "valid values are \"start\", \"stop\", \"restart\", \"reload\" and \"promote\"",
                    exitStatus: .badConfig)
            }
            chosen = parsed
        }
        if listActions {
            if let chosen {
                Console.out(service.command(for: chosen))
            } else {
                service.actionListing.forEach(Console.out)
            }
            return
        }
        guard let chosen else {
            throw WardenError(
                "--action or --list-actions must be provided",
                hint: "valid values for --action are \"start\", \"stop\", \"restart\", \"reload\" and \"promote\"",
                exitStatus: .badConfig)
        }
        if dryRun {
            if checkpoint && (chosen == .stop || chosen == .restart) {
                context.console.show(OperationMessage(.info, "a CHECKPOINT would be issued here"))
            }
            context.console.show(
                OperationMessage(.info, "would execute server command \"\(service.command(for: chosen))\""))
            return
        }
        try await service.run(chosen, checkpoint: checkpoint, report: context.console.sink)
    }
}
