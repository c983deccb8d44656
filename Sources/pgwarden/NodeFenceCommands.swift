import ArgumentParser
import WardenEngine

/// `pgwarden node fence`.
struct NodeFenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fence",
        abstract: "Cut a node off from applications and record it as fenced.",
        discussion: """
            Runs fence_command when it is set (%n node ID, %a node name, %p primary's node ID, %t voting term, \
            %d reason; every value shell-quoted), otherwise applies fence_mode: read_only (ALTER SYSTEM \
            default_transaction_read_only = on, kept across restarts, and every client session terminated) or \
            stop (the server is stopped through its own PostgreSQL server, no SSH). The state is recorded in \
            repmgr.pgwarden_fence on the primary, with the event node_fence. An unreachable node is fenced by its \
            command and recorded. Fencing the primary stops every write in the cluster.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(
        parsing: .unconditional, help: "ID of the node to fence (default: this node).", transform: NodeIDArgument.parse)
    var nodeId: Int?
    @Option(help: "Why, recorded with the fence and passed to fence_command as %d.") var reason = "manual fence"
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: nodeId == nil)
        let operation = NodeFence(
            configuration: context.configuration, entry: try context.localConninfo(), nodeID: nodeId, reason: reason)
        let prepared = try await operation.prepare(report: context.console.sink)
        try OperationRunner.finishDryRun(prepared.plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        OperationRunner.showWarnings(prepared.plan, console: context.console)
        try await operation.run(prepared, report: context.console.sink)
    }
}

/// `pgwarden node unfence`.
struct NodeUnfenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unfence",
        abstract: "Undo a node's fence and record it as unfenced.",
        discussion: """
            Runs unfence_command for a node fenced by fence_command; resets default_transaction_read_only on a \
            read-only node (also one its daemon made read-only); marks a stopped node unfenced (start it \
            yourself). Records the event node_unfence.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(
        parsing: .unconditional, help: "ID of the node to unfence (default: this node).",
        transform: NodeIDArgument.parse)
    var nodeId: Int?
    @Option(help: "Why, recorded with the state and passed to unfence_command as %d.") var reason = "manual unfence"
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: nodeId == nil)
        let operation = NodeUnfence(
            configuration: context.configuration, entry: try context.localConninfo(), nodeID: nodeId, reason: reason)
        let prepared = try await operation.prepare(report: context.console.sink)
        try OperationRunner.finishDryRun(prepared.plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        OperationRunner.showWarnings(prepared.plan, console: context.console)
        try await operation.run(prepared, report: context.console.sink)
    }
}
