import Foundation
import Testing

@testable import WardenEngine

/// How a password reaches pg_basebackup and pg_rewind (issue 18, finding 3): not on the command line,
/// but in a 0600 passfile in a 0700 directory that exists only while the child runs.
@Suite("Private passfile")
struct PrivatePassfileTests {
    @Test("the command-line conninfo has no password and no passfile of its own")
    func split() throws {
        let conninfo = try Conninfo(parsing: "host=h user=u password='a b' passfile=/home/u/.pgpass dbname=d")
        let (commandLine, password) = try PrivatePassfile.split(conninfo)
        #expect(password == "a b")
        #expect(commandLine.connectionString == "user=u dbname=d host=h")
        let plain = try Conninfo(parsing: "host=h passfile=/home/u/.pgpass")
        #expect(try PrivatePassfile.split(plain).commandLine == plain)
        #expect(try PrivatePassfile.split(plain).password == nil)
        #expect(throws: WardenError.self) { try PrivatePassfile.split(try Conninfo(parsing: "host=h sslpassword=k")) }
    }

    @Test("passfile lines escape backslash and colon; line breaks are refused")
    func lines() throws {
        #expect(try PrivatePassfile.line(for: #"a:b\c"#) == #"*:*:*:*:a\:b\\c"# + "\n")
        #expect(throws: WardenError.self) { try PrivatePassfile.line(for: "a\nb") }
    }

    @Test("the file is private while the child runs and gone afterwards; PGPASSWORD is not passed on")
    func lifetime() async throws {
        let seen = try await PrivatePassfile.withPassword("p:w") { environment -> (String?, String?, Bool) in
            let file = environment?["PGPASSFILE"]
            var fileInfo = stat()
            var directoryInfo = stat()
            let modes =
                file.map { path in
                    lstat(path, &fileInfo) == 0
                        && lstat((path as NSString).deletingLastPathComponent, &directoryInfo) == 0
                        && fileInfo.st_mode & 0o777 == 0o600 && directoryInfo.st_mode & 0o777 == 0o700
                        && (fileInfo.st_mode & S_IFMT) == S_IFREG
                } ?? false
            return (file, file.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }, modes)
        }
        let file = try #require(seen.0)
        #expect(seen.1 == "*:*:*:*:p\\:w\n")
        #expect(seen.2)
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(!FileManager.default.fileExists(atPath: (file as NSString).deletingLastPathComponent))
        let none = try await PrivatePassfile.withPassword(nil) { $0 }
        #expect(none == nil)
        let environment = try await PrivatePassfile.withPassword("x") { $0 }
        #expect(environment?["PGPASSWORD"] == nil)
    }
}
