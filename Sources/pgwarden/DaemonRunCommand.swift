import ArgumentParser
import Foundation
import WardenEngine

/// `pgwarden daemon run`: the failover daemon in the foreground (for systemd or any supervisor).
struct DaemonRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run this node's failover daemon in the foreground until SIGTERM (SIGHUP reloads the configuration)."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try CommandContext(global, configurationRequired: true)
        let configuration = try context.requireConfiguration()
        // Checked (and created) first: the default PID file lies in it.
        try StateDirectory(configuration: configuration).prepare()
        try DaemonProcess.claimPIDFile(for: configuration)
        defer { DaemonProcess.releasePIDFile(for: configuration) }
        let signals = DaemonSignals()
        signals.install()
        let writer = DaemonLogWriter(
            path: configuration.logFile.isEmpty ? nil : configuration.logFile,
            minimumLevel: context.console.minimumLevel)
        let status = try await FailoverDaemon.run(configuration: configuration, log: writer.sink, signals: signals)
        if status != .success { throw CommandExit(status: status) }
    }
}
