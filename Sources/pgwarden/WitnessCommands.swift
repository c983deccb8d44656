import ArgumentParser
import WardenEngine

/// `pgwarden witness ...`.
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Register or unregister a witness node.",
        discussion: """
            A witness is a separate PostgreSQL instance, outside replication, that keeps a copy of the cluster \
            metadata and takes part in failover decisions. Put it in the primary's location, never on the same \
            host as a data node.
            """,
        subcommands: [WitnessRegister.self, WitnessUnregister.self]
    )
}

/// `pgwarden witness register`.
struct WitnessRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register this node (a running, independent PostgreSQL instance) as the cluster's witness.",
        discussion: """
            Give the primary's connection details with -h/-p/-U/-d (user and database default to those of this \
            node's conninfo). The metadata schema is created on the witness if needed, the witness record is \
            written on the primary (type witness, upstream the primary, priority 0), and the primary's node \
            records are copied to the witness.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("F"), .long], help: "Overwrite an existing witness record and metadata copy.")
    var force = false
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let configuration = try context.requireConfiguration()
        guard global.hasConnectionOptions else {
            throw WardenError(
                "no connection information was provided for the primary node",
                hint: "give the primary's connection details with -h/--host (and -p, -U, -d as needed)",
                exitStatus: .badConfig)
        }
        let primary = try global.connectionConninfo(base: Self.defaults(from: configuration))
        let operation = WitnessRegistration(configuration: configuration, primaryConninfo: primary, force: force)
        let prepared = try await operation.prepare(report: context.console.sink)
        if dryRun {
            prepared.plan.messages.forEach(context.console.show)
            try prepared.plan.requireSuccess()
            context.console.show(OperationMessage(.info, "prerequisites for registering the witness node are met"))
            return
        }
        try await operation.run(prepared, report: context.console.sink)
    }

    /// repmgr fills in the user and database of the primary's connection from the witness's conninfo.
    static func defaults(from configuration: NodeConfiguration) -> Conninfo {
        var base = Conninfo(parameters: [])
        guard let own = configuration.parsedConninfo else { return base }
        for key in ["user", "dbname", "connect_timeout", "sslmode"] {
            if let value = own[key] { base[key] = value }
        }
        return base
    }
}

/// `pgwarden witness unregister`.
struct WitnessUnregister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unregister",
        abstract: "Remove a witness's node record (the witness instance itself is left alone).",
        discussion: """
            Unregisters this node, or the witness given with --node-id. When this node is down, give the \
            primary's connection details with -h/-p.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(
        parsing: .unconditional, help: "Node ID of the witness to unregister (default: this node).",
        transform: NodeIDArgument.parse)
    var nodeId: Int?
    @Flag(name: [.customShort("F"), .long], help: "Go on when this node cannot be reached.") var force = false
    @Flag(help: "Check the prerequisites and show what would be done, changing nothing.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let configuration = try context.requireConfiguration()
        let primary =
            global.hasConnectionOptions
            ? try global.connectionConninfo(base: WitnessRegister.defaults(from: configuration)) : nil
        let operation = WitnessUnregistration(
            configuration: configuration, nodeID: nodeId, primaryConninfo: primary, force: force)
        let prepared = try await operation.prepare(report: context.console.sink)
        if dryRun {
            prepared.plan.messages.forEach(context.console.show)
            try prepared.plan.requireSuccess()
            context.console.show(OperationMessage(.info, "prerequisites for unregistering the witness node are met"))
            return
        }
        try await operation.run(prepared, report: context.console.sink)
    }
}
