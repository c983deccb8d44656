import Foundation
import Testing

@testable import WardenEngine

/// Configuration files that are not configuration files (issue 18, findings 8 and 9): FIFOs, devices,
/// directories, huge files, binary garbage, and random mutations of a valid file. Each is loaded with a
/// deadline; each must give a configuration or one `.badConfig` error whose text is bounded (at most
/// ``ConfigurationLoader/maximumReported`` problems, excerpts of at most 80 characters) and free of raw
/// control characters. A hang fails the test instead of holding it up.
@Suite("Configuration fuzz", .serialized)
struct ConfigurationFuzzTests {
    static let valid = """
        node_id=2
        node_name='node2'
        conninfo='host=127.0.0.1 port=5432 user=repmgr dbname=repmgr connect_timeout=2'
        data_directory='/var/lib/postgresql/15/main'
        use_replication_slots=yes
        fence_command='/usr/local/bin/fence %n "%d"'
        reconnect_attempts=6

        """

    /// What loading a file came to.
    enum Loaded {
        case configuration
        case error(WardenError)
        case hung
    }

    /// Loads `path` on a thread of its own, waiting at most `deadline`.
    static func load(_ path: String, deadline: Duration = .seconds(5)) -> Loaded {
        final class Box: @unchecked Sendable {
            var result: Loaded = .hung
        }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            switch Result(catching: { () throws(WardenError) in try ConfigurationLoader.load(path: path) }) {
            case .success: box.result = .configuration
            case .failure(let error): box.result = .error(error)
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + Double(deadline.components.seconds)) == .success else { return .hung }
        return box.result
    }

    /// Checks the outcome of one input; `label` names it in failures.
    static func check(_ loaded: Loaded, _ label: String, expect fragment: String? = nil) {
        switch loaded {
        case .hung:
            Issue.record("loading \(label) did not return")
        case .configuration:
            #expect(fragment == nil, "\(label) was accepted")
        case .error(let error):
            #expect(error.exitStatus == .badConfig, "\(label): \(error)")
            let text = error.description
            #expect(
                text.utf8.count < 8 * 1024,
                "\(label): \(text.utf8.count) bytes of error: \(text.debugDescription.prefix(1500))")
            #expect(
                !text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" },
                "\(label): raw control character in \(text.debugDescription.prefix(400))")
            if let fragment { #expect(text.contains(fragment), "\(label): \(text.prefix(400))") }
        }
    }

    @Test("FIFOs, devices, directories, huge and binary files: one clear error each, no hang")
    func specialFiles() throws {
        let directory = NSTemporaryDirectory() + "pgwarden-config-fuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/fifo.conf"
        #expect(mkfifo(fifo, 0o600) == 0)
        let huge = directory + "/huge.conf"
        try Data(repeating: 0x61, count: ConfigurationLoader.maximumFileSize + 1).write(to: URL(fileURLWithPath: huge))
        let binary = directory + "/binary.conf"
        try Data((0..<61_440).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: binary))
        let longLine = directory + "/long-line.conf"
        try
            ("node_id=1\nx" + String(repeating: "\u{1B}[31m\u{7}é", count: 12_000) + " = 1\n" + "y = 'a' "
            + String(repeating: "zz", count: 20_000) + "\n").write(toFile: longLine, atomically: true, encoding: .utf8)
        let zeroLink = directory + "/zero.conf"
        try FileManager.default.createSymbolicLink(atPath: zeroLink, withDestinationPath: "/dev/zero")

        Self.check(Self.load(fifo), "a FIFO", expect: "is not a regular file")
        Self.check(Self.load("/dev/zero"), "/dev/zero", expect: "is not a regular file")
        Self.check(Self.load(zeroLink), "a symlink to /dev/zero", expect: "is not a regular file")
        Self.check(Self.load("/dev/null"), "/dev/null", expect: "is not a regular file")
        Self.check(Self.load(directory), "a directory", expect: "is a directory")
        Self.check(Self.load(huge), "a file over the size limit", expect: "is larger than 1024 KiB")
        Self.check(Self.load(binary), "binary garbage", expect: "is not a text file")
        Self.check(Self.load(longLine), "60 KB lines of control characters", expect: "syntax error")
        Self.check(Self.load(directory + "/missing.conf"), "a missing file", expect: "not found")
    }

    /// Seeded (`PGWARDEN_CONFIG_SEED` replays another seed).
    @Test("mutations of a valid file: a configuration or one bounded error, never a trap")
    func mutations() throws {
        let directory = NSTemporaryDirectory() + "pgwarden-config-fuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let seed = ProcessInfo.processInfo.environment["PGWARDEN_CONFIG_SEED"].flatMap { UInt64($0) } ?? 0xC0F1_6018
        var generator = SimulationRandom(seed: seed)
        let interesting: [UInt8] = Array("'\"\\=#\n\r\t %$`".utf8) + [0x1B, 0x7F, 0xC3, 0xA9, 0xFF, 0x01, 0x0B]
        let path = directory + "/mutated.conf"
        for round in 0..<1500 {
            var bytes = Array(Self.valid.utf8)
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                let position = Int.random(in: 0...bytes.count, using: &generator)
                let byte =
                    Bool.random(using: &generator)
                    ? (interesting.randomElement(using: &generator) ?? 0x27)
                    : UInt8.random(in: 1...255, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes.insert(byte, at: position)
                case 1 where position < bytes.count: bytes[position] = byte
                case 2 where position < bytes.count: bytes.remove(at: position)
                default:
                    let end = min(bytes.count, position + Int.random(in: 1...40, using: &generator))
                    bytes.insert(
                        contentsOf: Array(repeating: byte, count: Int.random(in: 1...3000, using: &generator))
                            + bytes[position..<end], at: position)
                }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            Self.check(Self.load(path), "seed \(seed) round \(round)")
        }
    }
}
