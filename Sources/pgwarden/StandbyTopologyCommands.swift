import ArgumentParser
import WardenEngine

/// `pgwarden standby promote`.
struct StandbyPromote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Promote this standby to primary when the cluster has no running primary."
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Re-point the other standbys of the old primary to this node.") var siblingsFollow = false
    @Flag(name: [.customShort("F"), .long], help: "Accepted for repmgr compatibility.") var force = false
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let operation = StandbyPromotion(
            configuration: try context.requireConfiguration(), siblingsFollow: siblingsFollow, force: force)
        let prepared = try await operation.prepare(report: context.console.sink)
        try OperationRunner.finishDryRun(prepared.plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        try await operation.run(prepared, report: context.console.sink)
    }
}

/// `pgwarden standby follow`.
struct StandbyFollowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Re-point this running standby at the current primary or another upstream."
    )

    @OptionGroup var global: GlobalOptions
    @Option(
        parsing: .unconditional, help: "Node ID of the new upstream (default: the current primary).",
        transform: NodeIDArgument.parse)
    var upstreamNodeId: Int?
    @Flag(name: [.customShort("w"), .long], help: "Wait up to primary_follow_timeout for streaming to start.")
    var wait = false
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let operation = WardenEngine.StandbyFollow(
            configuration: try context.requireConfiguration(), upstreamNodeID: upstreamNodeId, wait: wait)
        let prepared = try await operation.prepare(report: context.console.sink)
        try OperationRunner.finishDryRun(prepared.plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        try await operation.run(prepared, report: context.console.sink)
    }
}

/// `pgwarden standby switchover`.
struct StandbySwitchoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchover",
        abstract: "Promote this standby and demote the current primary to a standby of it, without SSH.",
        discussion: """
            Run on the standby to promote. The old primary is stopped and restarted as a standby through its own
            PostgreSQL server (a superuser connection), so no SSH between the nodes is needed.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Re-point the other standbys of the old primary to this node.") var siblingsFollow = false
    @Flag(help: "If the old primary cannot attach, say how to rewind it.") var forceRewind = false
    @Flag(help: "Promote even if this node's metadata looks stale.") var alwaysPromote = false
    @Flag(name: [.customShort("F"), .long], help: "Ignore the replication lag threshold.") var force = false
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let operation = WardenEngine.StandbySwitchover(
            configuration: try context.requireConfiguration(), siblingsFollow: siblingsFollow,
            forceRewind: forceRewind, alwaysPromote: alwaysPromote, force: force)
        let prepared = try await operation.prepare(report: context.console.sink)
        try OperationRunner.finishDryRun(prepared.plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        try await operation.run(prepared, report: context.console.sink)
    }
}
