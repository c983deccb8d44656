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

/// Writes daemon log lines as `[2026-11-28 06:54:06] [NOTICE] text`, to `log_file` or standard error.
struct DaemonLogWriter: Sendable {
    let path: String?
    let minimumLevel: LogLevel

    var sink: MessageSink {
        let writer = self
        return { writer.write($0) }
    }

    func write(_ message: OperationMessage) {
        guard message.level >= minimumLevel else { return }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let stamp = "[\(formatter.string(from: Date()))]"
        var text = "\(stamp) [\(message.level.label)] \(Conninfo.maskPasswords(in: message.text))\n"
        if let detail = message.detail {
            text += "\(stamp) [DETAIL] \(Conninfo.maskPasswords(in: detail))\n"
        }
        if let path, let handle = FileHandle(forWritingAtPath: path) ?? createLog(path) {
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            try? handle.close()
        } else {
            Console.write(text, to: .standardError)
        }
    }

    private func createLog(_ path: String) -> FileHandle? {
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o640])
        return FileHandle(forWritingAtPath: path)
    }
}
