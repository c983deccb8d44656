import ArgumentParser
import Foundation
import WardenEngine

/// `pgwarden standby ...`.
struct StandbyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standby",
        abstract: "Clone, register and unregister standby nodes.",
        subcommands: [
            StandbyClone.self, StandbyRegister.self, StandbyUnregister.self, StandbyPromote.self,
            StandbyFollowCommand.self, StandbySwitchoverCommand.self,
        ]
    )
}

/// `pgwarden standby clone`.
struct StandbyClone: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone",
        abstract: "Copy an upstream server into this node's data_directory with pg_basebackup.",
        discussion: """
            The upstream is given with -h/-p/-U/-d. The copy is made in a staging directory next to data_directory
            and moved into place only when complete. Must be run as the user that owns the data directory.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(
        parsing: .unconditional, help: "Node ID of the upstream this standby will stream from (for cascading).",
        transform: NodeIDArgument.parse)
    var upstreamNodeId: Int?
    @Flag(name: [.customShort("c"), .long], help: "Ask the upstream for an immediate checkpoint.") var fastCheckpoint =
        false
    @Flag(name: [.customShort("F"), .long], help: "Replace a non-empty data directory.") var force = false
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let configuration = try context.requireConfiguration()
        guard global.hasConnectionOptions else {
            throw WardenError(
                "no upstream node to clone from was given", hint: "give the upstream with -h/-p/-U or -d",
                exitStatus: .badConfig)
        }
        let upstream = try global.connectionConninfo(base: nil)
        let operation = WardenEngine.StandbyClone(
            configuration: configuration, upstream: upstream, upstreamNodeID: upstreamNodeId,
            fastCheckpoint: fastCheckpoint, force: force)
        let prepared = try await operation.prepare(report: context.console.sink)
        try OperationRunner.finishDryRun(prepared.plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        let display = CloneProgressDisplay(interactive: isatty(STDERR_FILENO) == 1)
        try await operation.run(prepared, report: context.console.sink) { display.show($0) }
        display.finish()
    }
}

/// `pgwarden standby register`.
struct StandbyRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register this running standby in the cluster metadata."
    )

    @OptionGroup var global: GlobalOptions
    @Option(
        parsing: .unconditional, help: "Node ID of the upstream (default: the primary).",
        transform: NodeIDArgument.parse)
    var upstreamNodeId: Int?
    @Flag(name: [.customShort("F"), .long], help: "Overwrite an existing node record.") var force = false
    @Option(help: "Seconds to wait for the local server to start (default 30).") var waitStart: Int = 30
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func validate() throws {
        if waitStart < 0 { throw ValidationError("--wait-start must be 0 or more seconds") }
    }

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let operation = StandbyRegistration(
            configuration: try context.requireConfiguration(), upstreamNodeID: upstreamNodeId, force: force,
            waitStart: .seconds(waitStart))
        let prepared = try await operation.prepare(report: context.console.sink)
        try OperationRunner.finishDryRun(prepared.plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        try await operation.run(prepared, report: context.console.sink)
    }
}

/// `pgwarden standby unregister`.
struct StandbyUnregister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unregister",
        abstract: "Remove a standby's node record (replication is not touched)."
    )

    @OptionGroup var global: GlobalOptions
    @Option(
        parsing: .unconditional, help: "ID of the standby to unregister (default: this node).",
        transform: NodeIDArgument.parse)
    var nodeId: Int?

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: false)
        guard let target = nodeId ?? context.configuration?.nodeID else {
            throw ValidationError("--node-id is required when no configuration file is given")
        }
        var sources: [Conninfo] = []
        if global.hasConnectionOptions { sources.append(try global.connectionConninfo(base: nil)) }
        if let conninfo = context.configuration?.conninfo { sources.append(try Conninfo(parsing: conninfo)) }
        try await StandbyUnregistration(nodeID: target).run(via: sources, report: context.console.sink)
    }
}
