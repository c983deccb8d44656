import Foundation
import Testing

@testable import WardenEngine

@Suite("pgbouncer configuration file and admin commands")
struct PoolerConfigFileTests {
    static let ini = """
        ;; pgbouncer.ini
        [databases]
        ; the application
        app = host=10.0.0.1 port=5432 dbname=appdb user='app user' pool_size=5
        "my-db" = dbname=other host=10.0.0.1
        reports = host=10.0.0.9 port=6000 dbname=reports
        # fallback
        * = host=10.0.0.1

        [pgbouncer]
        listen_port = 6432
        app = this is not a database line
        """

    @Test("only host and port of the named entry change; comments, options and other lines stay")
    func repointKeepsTheRest() throws {
        var file = PoolerConfigFile(text: Self.ini)
        try file.repoint(PoolerDatabaseName("app"), host: "127.0.0.1", port: "5433")
        let expected = Self.ini.replacingOccurrences(
            of: "app = host=10.0.0.1 port=5432 dbname=appdb user='app user' pool_size=5",
            with: "app = host=127.0.0.1 port=5433 dbname=appdb user='app user' pool_size=5")
        #expect(file.text == expected)
    }

    @Test("a quoted name is matched, missing host or port are added, odd hosts are quoted")
    func quotedNameAndMissingPort() throws {
        var file = PoolerConfigFile(text: Self.ini)
        try file.repoint(PoolerDatabaseName("my-db"), host: "/var/run/it's", port: "5433")
        #expect(file.text.contains("\n\"my-db\" = dbname=other host='/var/run/it''s' port=5433\n"))
    }

    @Test("an entry that is missing, only in another section, or unparsable is an error")
    func errors() throws {
        var file = PoolerConfigFile(text: Self.ini)
        #expect(throws: WardenError.self) { try file.repoint(PoolerDatabaseName("listen_port"), host: "h", port: "1") }
        #expect(throws: WardenError.self) { try file.repoint(PoolerDatabaseName("nothere"), host: "h", port: "1") }
        var broken = PoolerConfigFile(text: "[databases]\nx = host='unterminated\n")
        #expect(throws: WardenError.self) { try broken.repoint(PoolerDatabaseName("x"), host: "h", port: "1") }
    }

    @Test("the file is replaced atomically with its mode kept")
    func saveKeepsMode() throws {
        let directory = NSTemporaryDirectory() + "pooler-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/pgbouncer.ini"
        FileManager.default.createFile(
            atPath: path, contents: Data(Self.ini.utf8), attributes: [.posixPermissions: 0o640])
        var file = try PoolerConfigFile.read(path)
        try file.repoint(PoolerDatabaseName("reports"), host: "127.0.0.1", port: "7000")
        try file.save(to: path)
        #expect(try PoolerConfigFile.read(path) == file)
        var status = stat()
        #expect(stat(path, &status) == 0 && status.st_mode & 0o777 == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["pgbouncer.ini"])
    }

    @Test("admin commands quote database names; invalid names are refused")
    func commands() throws {
        #expect(PoolerCommand.pause(try PoolerDatabaseName("app")).text == "PAUSE \"app\"")
        #expect(PoolerCommand.resume(try PoolerDatabaseName("we\"ird; RELOAD")).text == "RESUME \"we\"\"ird; RELOAD\"")
        #expect(throws: WardenError.self) { try PoolerDatabaseName("a\nb") }
        #expect(throws: WardenError.self) { try PoolerDatabaseName("a=b") }
        #expect(throws: WardenError.self) { try PoolerDatabaseName(String(repeating: "x", count: 64)) }
        #expect(try PoolerDatabaseName.list(" app, reports ,app,").map(\.name) == ["app", "reports"])
        #expect(try PoolerDatabaseName.list("").isEmpty)
    }
}
