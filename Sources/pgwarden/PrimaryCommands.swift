import ArgumentParser
import WardenEngine

/// `pgwarden primary ...` (alias `master`).
struct PrimaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "primary",
        abstract: "Register or unregister the primary node.",
        subcommands: [PrimaryRegister.self, PrimaryUnregister.self],
        aliases: ["master"]
    )
}

/// `pgwarden primary register`.
struct PrimaryRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Create the metadata schema (if needed) and register this node as the primary."
    )

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("F"), .long], help: "Overwrite an existing node record.") var force = false
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let operation = PrimaryRegistration(configuration: try context.requireConfiguration(), force: force)
        let prepared = try await operation.prepare(report: context.console.sink)
        try OperationRunner.finishDryRun(prepared.plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        try await operation.run(prepared, report: context.console.sink)
    }
}

/// `pgwarden primary unregister`.
struct PrimaryUnregister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unregister",
        abstract: "Remove the record of a primary that is no longer the running primary."
    )

    @OptionGroup var global: GlobalOptions
    @Option(
        parsing: .unconditional, help: "ID of the primary to unregister (default: this node).",
        transform: NodeIDArgument.parse)
    var nodeId: Int?
    @Flag(name: [.customShort("F"), .long], help: "Unregister even a running primary without standbys.")
    var force = false
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: false)
        guard let target = nodeId ?? context.configuration?.nodeID else {
            throw ValidationError("--node-id is required when no configuration file is given")
        }
        let operation = PrimaryUnregistration(nodeID: target, force: force)
        let (plan, catalog) = try await operation.plan(via: context.localConninfo())
        try OperationRunner.finishDryRun(plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        try await operation.run(plan: plan, catalog: catalog, report: context.console.sink)
    }
}
