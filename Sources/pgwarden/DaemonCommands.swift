import ArgumentParser
import Foundation
import WardenEngine

/// `pgwarden daemon ...` (repmgr's `daemon` and `service` commands).
struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run, start, stop, pause and inspect the failover daemons.",
        subcommands: [
            DaemonRun.self, DaemonStart.self, DaemonStop.self, DaemonStatus.self, DaemonPause.self,
            DaemonUnpause.self,
        ],
        aliases: ["service"]
    )
}

/// `pgwarden daemon start`.
struct DaemonStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start this node's daemon in the background (or repmgrd_service_start_command)."
    )

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("w"), .long], help: "Seconds to wait for the daemon to start (default 15).")
    var wait: Int = 15
    @Flag(help: "Show what would be done.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let configuration = try context.requireConfiguration()
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        if dryRun {
            context.console.show(
                OperationMessage(
                    .info,
                    "would start: \(configuration.repmgrdServiceStartCommand ?? "\(executable) daemon run -f \(configuration.filePath)")"
                ))
            return
        }
        let pid = try await DaemonProcess.start(configuration, executable: executable, wait: .seconds(max(wait, 1)))
        context.console.show(OperationMessage(.notice, "pgwarden daemon started (PID \(pid))"))
    }
}

/// `pgwarden daemon stop`.
struct DaemonStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop this node's daemon.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("w"), .long], help: "Seconds to wait for the daemon to stop (default 15).")
    var wait: Int = 15
    @Flag(help: "Show what would be done.") var dryRun = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let configuration = try context.requireConfiguration()
        if dryRun {
            let pid = DaemonProcess.runningPID(for: configuration).map(String.init) ?? "none"
            context.console.show(OperationMessage(.info, "would stop the pgwarden daemon (PID \(pid))"))
            return
        }
        try await DaemonProcess.stop(configuration, wait: .seconds(max(wait, 1)))
        context.console.show(OperationMessage(.notice, "pgwarden daemon stopped"))
    }
}

/// `pgwarden daemon status` (alias `service status`).
struct DaemonStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Every node's daemon: running, PID, paused, upstream last seen.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Add location and priority.") var detail = false
    @Flag(help: "Comma-separated output.") var csv = false
    @Flag(help: "After the table, explain each daemon's latest failover decision (why it did or did not fail over).")
    var explain = false

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: false)
        let interval = Double(context.configuration?.monitorIntervalSeconds ?? 2)
        let report = try await DaemonStatusReport.gather(
            via: context.localConninfo(), staleAfter: max(10, interval * 3))
        if csv {
            report.csvLines.forEach(Console.out)
            return
        }
        if !report.issues.isEmpty {
            var warning = "WARNING: following issues were detected\n"
            for issue in report.issues { warning += "  - \(issue)\n" }
            Console.err(warning)
        }
        report.table(detail: detail).lines(trailingSpaceOnRows: true).forEach(Console.out)
        if let configuration = context.configuration,
            let local = LocalDaemonStatus.read(from: StateDirectory(configuration: configuration)),
            local.primaryWritesRefused
        {
            Console.err(
                "WARNING: node \(local.nodeID)'s daemon cannot write to the primary (read-only); "
                    + "its own status at \(local.updatedAt): \(TerminalText.singleLine(local.state))")
        }
        if explain {
            Console.out("")
            report.explanationLines.forEach(Console.out)
        }
    }
}

/// `pgwarden daemon pause`.
struct DaemonPause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause every node's daemon: no failover until unpaused (kept across restarts).")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Show what would be done.") var dryRun = false

    func run() async throws { try await DaemonPauseSwitch.set(true, global: global, dryRun: dryRun) }
}

/// `pgwarden daemon unpause`.
struct DaemonUnpause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpause", abstract: "Resume monitoring and failover on every node's daemon.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Show what would be done.") var dryRun = false

    func run() async throws { try await DaemonPauseSwitch.set(false, global: global, dryRun: dryRun) }
}

/// Shared by pause and unpause: runs the engine's ``DaemonPauseChange`` (`--dry-run` prints its plan).
enum DaemonPauseSwitch {
    static func set(_ paused: Bool, global: GlobalOptions, dryRun: Bool) async throws {
        let context = try CommandContext(global, configurationRequired: false)
        let operation = DaemonPauseChange(pause: paused, via: try context.localConninfo())
        let prepared = try await operation.prepare(report: context.console.sink)
        try OperationRunner.finishDryRun(prepared.plan, dryRun: dryRun, console: context.console)
        if dryRun { return }
        try await operation.run(prepared, report: context.console.sink)
    }
}
