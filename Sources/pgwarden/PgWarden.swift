import ArgumentParser

/// The root command: `pgwarden [OPTIONS] <object> <action>`, repmgr's command shape.
struct PgWarden: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgwarden",
        abstract: "Manage PostgreSQL streaming-replication clusters (repmgr-compatible).",
        discussion: """
            Options may be given before or after the command, as with repmgr:
              pgwarden -f /etc/repmgr.conf cluster show
              pgwarden cluster show -f /etc/repmgr.conf
            The configuration file is found with -f, then $PGWARDEN_CONFIG, then ./repmgr.conf, then /etc/repmgr.conf.
            """,
        version: "0.1.0",
        subcommands: [
            PrimaryCommand.self, StandbyCommand.self, WitnessCommand.self, ClusterCommand.self, NodeCommand.self,
            DaemonCommand.self, DashboardCommand.self, DemoCommand.self,
        ],
        helpNames: [.long]
    )
}
