import Testing

@testable import WardenEngine

@Suite("Conninfo")
struct ConninfoTests {
    @Test("keyword/value strings parse with libpq and keep their values")
    func parsesKeywordValue() throws {
        let conninfo = try Conninfo(parsing: "host=127.0.0.1 port=5501 user=repmgr dbname=repmgr connect_timeout=2")
        #expect(conninfo.host == "127.0.0.1")
        #expect(conninfo.port == "5501")
        #expect(conninfo.user == "repmgr")
        #expect(conninfo.databaseName == "repmgr")
        #expect(conninfo.connectTimeoutSeconds == 2)
    }

    @Test("URIs parse too")
    func parsesURI() throws {
        let conninfo = try Conninfo(parsing: "postgresql://repmgr:secret@127.0.0.1:5432/repmgr")
        #expect(conninfo.port == "5432")
        #expect(conninfo["password"] == "secret")
        #expect(!conninfo.description.contains("secret"))
    }

    @Test("libpq rejects unknown options with its own message")
    func rejectsUnknownOption() {
        #expect {
            try Conninfo(parsing: "host=127.0.0.1 bogus=1 password=topsecret")
        } throws: { error in
            guard let error = error as? WardenError else { return false }
            return error.message.contains("invalid connection option \"bogus\"") && error.exitStatus == .badConfig
                && !(error.detail ?? "").contains("topsecret")
        }
    }

    @Test("connect_timeout below 2 s is raised to 2 s, 0 means none", arguments: [("1", 2), ("0", nil), ("7", 7)])
    func connectTimeout(text: String, expected: Int?) throws {
        #expect(try Conninfo(parsing: "host=x connect_timeout=\(text)").connectTimeoutSeconds == expected)
    }

    @Test(
        "passwords are masked in every form",
        arguments: [
            ("host=a password=hunter2 user=b", "host=a password=******** user=b"),
            ("host=a password='hun ter2' user=b", "host=a password=******** user=b"),
            ("password = hunter2", "password = ********"),
            ("postgresql://u:hunter2@h/db", "postgresql://u:********@h/db"),
            ("host=a user=b", "host=a user=b"),
        ])
    func masksPasswords(input: String, expected: String) {
        #expect(Conninfo.maskPasswords(in: input) == expected)
    }

    @Test("the parsed description masks the password and quotes values that need it")
    func descriptionMasks() throws {
        let conninfo = try Conninfo(parsing: "host=a password=hunter2 application_name='my app'")
        #expect(conninfo.description.contains("password=********"))
        #expect(conninfo.description.contains("application_name='my app'"))
        #expect(!conninfo.description.contains("hunter2"))
        #expect(conninfo.connectionString.contains("password=hunter2"))
    }

    @Test("shell quoting makes any value a single word")
    func shellQuoting() {
        #expect(ShellQuoting.quote("node1") == "node1")
        #expect(ShellQuoting.quote("a'b") == "'a'\\''b'")
        #expect(ShellQuoting.quote("x; rm -rf /") == "'x; rm -rf /'")
        #expect(ShellQuoting.quote("$(id)\n") == "'$(id)\n'")
        #expect(ShellQuoting.quote("") == "''")
    }
}
