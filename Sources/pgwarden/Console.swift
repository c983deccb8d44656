import Foundation
import WardenEngine

/// Where the CLI writes: reports to standard output, log messages (`INFO:`, `NOTICE:`,
/// `WARNING:`, `ERROR:`) to standard error, filtered by the log level.
///
/// `out`, `err` and `show` pass their text through ``TerminalText/lines(_:)``: what they print
/// quotes the metadata (node names, locations, event details), which may hold terminal escapes.
/// Only `write` sends bytes as they are, for pgwarden's own progress line.
struct Console: Sendable {
    var minimumLevel: LogLevel

    static func write(_ text: String, to handle: FileHandle = .standardOutput) {
        handle.write(Data(text.utf8))
    }

    static func out(_ line: String) { write(TerminalText.lines(line) + "\n") }

    static func err(_ line: String) { write(TerminalText.lines(line) + "\n", to: .standardError) }

    func show(_ message: OperationMessage) {
        guard message.level >= minimumLevel || message.level >= .warning else { return }
        var text = "\(message.level.label): \(message.text)\n"
        if let detail = message.detail { text += "DETAIL: \(detail)\n" }
        if let hint = message.hint { text += "HINT: \(hint)\n" }
        Self.write(TerminalText.lines(text), to: .standardError)
    }

    var sink: MessageSink {
        let console = self
        return { console.show($0) }
    }

    static func show(_ error: WardenError) {
        err(error.description)
    }
}
