import ArgumentParser

/// Options every pgwarden command accepts, with repmgr's names. They may be written before
/// the command (`pgwarden -f FILE cluster show`) or after it (`pgwarden cluster show -f FILE`).
struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .long], help: "Path to the configuration file (repmgr.conf format).")
    var configFile: String?

    @Option(name: [.customShort("h"), .long], help: "Database server host of the node to connect to.")
    var host: String?

    @Option(name: [.customShort("p"), .long], help: "Database server port.")
    var port: String?

    @Option(name: [.customShort("U"), .long], help: "Database user name to connect as.")
    var username: String?

    @Option(name: [.customShort("d"), .long], help: "Database name or a full conninfo string to connect with.")
    var dbname: String?

    @Option(name: [.customShort("L"), .long], help: "Log level: DEBUG, INFO, NOTICE, WARNING or ERROR.")
    var logLevel: String?

    @Flag(name: [.customShort("v"), .long], help: "Show more detail, including connection errors.")
    var verbose = false

    @Flag(name: [.customShort("q"), .long], help: "Show errors only.")
    var quiet = false

    @Flag(name: [.customShort("t"), .long], help: "Shorter output (accepted for repmgr compatibility).")
    var terse = false

    /// Options that take a value, so that `ArgumentOrder` knows what to move along with them.
    static let optionsTakingValues: Set<String> = [
        "-f", "--config-file", "-h", "--host", "-p", "--port", "-U", "--username", "-d", "--dbname", "-L",
        "--log-level",
    ]
}
