import Synchronization

@testable import WardenEngine

/// Collects what a component logs, for tests that count log lines.
final class LogLines: Sendable {
    private let messages = Mutex<[OperationMessage]>([])

    var sink: MessageSink { { message in self.messages.withLock { $0.append(message) } } }
    var texts: [String] { messages.withLock { $0.map(\.text) } }
    var levels: [LogLevel] { messages.withLock { $0.map(\.level) } }
    var all: [OperationMessage] { messages.withLock { $0 } }
}
