import ArgumentParser
import Foundation
import WardenDashboard
import WardenDemo
import WardenEngine

/// `pgwarden demo`: a sandbox cluster on this machine (primary, two standbys, witness, daemons,
/// pgbouncer when installed, a write load) and the dashboard on it, with demo-only fault keys.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a sandbox cluster on this machine and open the dashboard on it.",
        discussion: """
            Creates node1 (primary), node2 (standby), node3 (cascading from node2) and a witness on free \
            127.0.0.1 ports in a new directory, with pgwarden's own register/clone/witness operations, a \
            failover daemon per node, pgbouncer in front of the primary when installed, and a small write load. \
            Run as root, the servers run as the postgres user.

            Demo-only dashboard keys: K kills the primary's postmaster (kill -9), Z hangs or resumes the \
            selected node (SIGSTOP/SIGCONT), O stops or starts the selected standby, L adds a writer.

            q, Ctrl-C or SIGTERM stops every process the demo started and removes the directory (unless \
            --keep). A run after a crash first cleans up what the crashed run left.
            """
    )

    @Option(help: "Directory to build the cluster in (new or empty; default: a new temporary directory).")
    var dir: String?
    @Flag(help: "Keep the directory (data, configuration, logs) after stopping.") var keep = false
    @Flag(help: "No dashboard: print each node's conninfo and configuration file and run until Ctrl-C or SIGTERM.")
    var noUi = false

    func run() async throws {
        let stop = DemoStopSignal()
        stop.install()
        let printer = DemoProgressPrinter(interactive: isatty(STDERR_FILENO) == 1)
        let environment = ProcessInfo.processInfo.environment
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let options = DemoOptions(
            directory: dir, keep: keep, executable: executable, environment: environment,
            interrupted: { stop.requested },
            relaunchArguments: { [keep, noUi] directory in
                ["demo", "--dir", directory] + (keep ? ["--keep"] : []) + (noUi ? ["--no-ui"] : [])
            })
        let themes = ThemeLoader.searchDirectories(environment: environment).first
        if !DemoCluster.isRelaunched(environment: environment) {
            Console.err("pgwarden demo: building a sandbox cluster (Ctrl-C stops it and cleans up)")
        }
        let cluster: DemoCluster
        do {
            cluster = try await DemoCluster.start(options: options, themes: themes, progress: printer.show)
        } catch {
            printer.failed(error.message)
            throw error
        }
        Console.err(
            "pgwarden demo: cluster ready in \(DemoProgressPrinter.seconds(printer.elapsed)) in \(cluster.directory)")
        var failure: WardenError?
        if noUi {
            printSummary(cluster)
            while !stop.requested { try? await Task.sleep(for: .milliseconds(200)) }
        } else {
            failure = await runDashboard(cluster, stop: stop, environment: environment)
        }
        Console.err("pgwarden demo: stopping")
        if let kept = await cluster.stop(progress: printer.show) {
            Console.err("pgwarden demo: stopped; the directory was kept: \(kept)")
        } else {
            Console.err("pgwarden demo: stopped and cleaned up")
        }
        if let failure { throw failure }
    }

    private func printSummary(_ cluster: DemoCluster) {
        Console.out("")
        for node in cluster.nodes {
            let name = node.name.padding(toLength: 8, withPad: " ", startingAt: 0)
            let role = node.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            Console.out("\(name) \(role) conninfo: \(node.conninfo)")
            Console.out("                  config:   \(node.configPath)")
        }
        if let pooled = cluster.pgbouncerConninfo {
            Console.out("pgbouncer         conninfo: \(pooled)")
        }
        Console.out("")
        Console.out("Try: pgwarden -f \(cluster.nodes[0].configPath) cluster show")
        Console.out("The cluster runs until Ctrl-C or SIGTERM.")
    }

    private func runDashboard(_ cluster: DemoCluster, stop: DemoStopSignal, environment: [String: String]) async
        -> WardenError?
    {
        do throws(WardenError) {
            let entry = cluster.nodes[0]
            let (configuration, _) = try ConfigurationLoader.load(path: entry.configPath)
            let session = DashboardSession(
                entry: try Conninfo(parsing: entry.conninfo), localConfiguration: configuration, mode: .interactive,
                catalog: .engine)
            let options = DashboardOptions(
                theme: nil, refreshInterval: 1, environment: environment,
                demoActions: Self.actions(for: cluster), quitRequested: { stop.requested })
            do {
                try await DashboardApp.run(session: session, options: options)
            } catch {
                throw WardenError(error.message, exitStatus: .badConfig)
            }
            return nil
        } catch {
            return error
        }
    }

    /// The demo-only keys of the dashboard.
    static func actions(for cluster: DemoCluster) -> [DemoAction] {
        [
            DemoAction(key: "K", summary: "kill -9 the primary's postmaster") { _ in
                await outcome { () async throws(WardenError) -> String in try await cluster.killPrimary() }
            },
            DemoAction(key: "Z", summary: "hang / resume the selected node (SIGSTOP / SIGCONT)") { node in
                await outcome { () async throws(WardenError) -> String in
                    try await cluster.toggleHang(nodeID: try selected(node))
                }
            },
            DemoAction(key: "O", summary: "stop / start the selected standby (pg_ctl)") { node in
                await outcome { () async throws(WardenError) -> String in
                    try await cluster.toggleStandby(nodeID: try selected(node))
                }
            },
            DemoAction(key: "L", summary: "add a writer to the write load") { _ in
                DemoActionResult(cluster.addWriter())
            },
        ]
    }

    private static func selected(_ node: NodeRecord?) throws(WardenError) -> Int {
        guard let node else { throw WardenError("select a node first", exitStatus: .badConfig) }
        return node.nodeID
    }

    private static func outcome(_ body: () async throws(WardenError) -> String) async -> DemoActionResult {
        do throws(WardenError) {
            return DemoActionResult(try await body())
        } catch {
            return DemoActionResult(error.hint.map { "\(error.message) (\($0))" } ?? error.message, failed: true)
        }
    }
}
