import Foundation
import WardenEngine

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
        let stamp = "[\(Self.localTimestamp())]"
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

    /// The local time as `2026-11-28 06:54:06`, from the C library: no formatter and no ICU
    /// data for a line the daemon writes all day.
    private static func localTimestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func createLog(_ path: String) -> FileHandle? {
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o640])
        return FileHandle(forWritingAtPath: path)
    }
}
