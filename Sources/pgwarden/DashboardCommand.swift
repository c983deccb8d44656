import ArgumentParser
import Foundation
import WardenDashboard
import WardenEngine

/// `pgwarden dashboard`: the live terminal view of the cluster, with guided operations.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Live terminal dashboard of the cluster: nodes, lag, events, monitoring history.",
        discussion: """
            Reads the cluster through the node given with -f (its conninfo) or -d CONNINFO, refreshes every
            --refresh seconds in the background and never freezes on a hung node. Press ? for the keys.
            --read-only removes every action key and opens all connections read-only; --wall is a read-only
            display for a distant screen (large verdict, no prompts, no cursor). Themes are YAML files in the
            Themes directory or in ~/.config/pgwarden/themes; NO_COLOR turns colours off.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "No actions: action keys are not bound and connections are read-only.") var readOnly = false
    @Flag(help: "Wall display: read-only, large verdict, no prompts, no cursor.") var wall = false
    @Option(help: "Theme name (default-dark, light, high-contrast, colorblind-safe, monochrome) or a theme file.")
    var theme: String?
    @Option(help: "Seconds between refreshes, 0.5 to 60 (default 2).") var refresh: Double = 2

    func validate() throws {
        guard refresh >= 0.5, refresh <= 60 else {
            throw ValidationError("--refresh must be between 0.5 and 60 seconds (got \(refresh))")
        }
    }

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: false)
        let mode: DashboardMode = wall ? .wall : (readOnly ? .readOnly : .interactive)
        let session = DashboardSession(
            entry: try context.localConninfo(), localConfiguration: context.configuration, mode: mode,
            catalog: .engine)
        let options = DashboardOptions(
            theme: theme, refreshInterval: refresh, environment: ProcessInfo.processInfo.environment)
        do {
            try await DashboardApp.run(session: session, options: options)
        } catch {
            throw WardenError(error.message, exitStatus: .badConfig)
        }
    }
}
