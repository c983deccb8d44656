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

    @Test(
        "the conninfo writer quotes every value libpq would split, and libpq reads each back unchanged",
        arguments: [
            "node3\thost=203.0.113.7", "a\nhost=x", "a\rhost=x", "a\r\nhost=x", "a\u{0B}host=x", "a\u{0C}host=x",
            "a host=x", "", " ", " leading", "'quoted'", "back\\slash", "trailing\\", "it's", "é", "a\u{A0}b",
            "\u{1B}[31m", "x=y", "node1", "-c default_transaction_read_only=on",
        ])
    func writerRoundTrips(value: String) throws {
        let written = Conninfo(parameters: [("application_name", value), ("host", "127.0.0.1")]).connectionString
        let parsed = try Conninfo(parsing: written)
        #expect(parsed.parameters.count == 2, "written as \(written)")
        #expect(parsed["application_name"] == value, "written as \(written)")
        #expect(parsed.host == "127.0.0.1", "written as \(written)")
    }

    @Test("values made of plain characters stay bare; empty and blank values are quoted")
    func writerKeepsPlainValuesBare() {
        let conninfo = Conninfo(parameters: [("host", "127.0.0.1"), ("port", "5432"), ("application_name", "")])
        #expect(conninfo.connectionString == "host=127.0.0.1 port=5432 application_name=''")
        #expect(Conninfo(parameters: [("application_name", "a\tb")]).connectionString == "application_name='a\tb'")
    }

    @Test("primary_conninfo for a follower named node3<TAB>host=203.0.113.7 points at the upstream only")
    func primaryConninfoKeepsUpstream() throws {
        let upstream = NodeRecord(
            nodeID: 1, upstreamNodeID: nil, nodeName: "node1", type: .primary,
            conninfo: "host=127.0.0.1 port=5501 user=repmgr dbname=repmgr", replicationUser: "repmgr", configFile: "")
        let follower = NodeRecord(
            nodeID: 3, upstreamNodeID: 1, nodeName: "node3\thost=203.0.113.7", type: .standby,
            conninfo: "host=127.0.0.1 port=5503", replicationUser: "repmgr", configFile: "")
        let written = try ReplicationSource.primaryConninfo(upstream: upstream, follower: follower)
        let parsed = try Conninfo(parsing: written)
        #expect(parsed.host == "127.0.0.1", "\(written)")
        #expect(parsed.port == "5501")
        #expect(parsed["application_name"] == "node3\thost=203.0.113.7")
        #expect(parsed.parameters.filter { $0.key == "host" }.count == 1)
    }

    @Test(
        "registration refuses node names with control characters, naming the character",
        arguments: [
            ("node3\thost=203.0.113.7", "node_name \"node3\\thost=203.0.113.7\" contains a control character (U+0009)"),
            ("a\nb", "node_name \"a\\nb\" contains a control character (U+000A)"),
            ("x\u{1B}[2J", "node_name \"x\\u{1B}[2J\" contains a control character (U+001B)"),
            ("del\u{7F}", "node_name \"del\\u{7F}\" contains a control character (U+007F)"),
            ("csi\u{9B}", "node_name \"csi\\u{9B}\" contains a control character (U+009B)"),
        ])
    func nodeNameCheckRefuses(name: String, message: String) {
        let configuration = NodeConfiguration(
            nodeID: 3, nodeName: name, conninfo: "host=127.0.0.1", dataDirectory: "/tmp/x", filePath: "/etc/node3.conf")
        #expect {
            try NodeNameCheck.requireValid(configuration)
        } throws: { error in
            guard let error = error as? WardenError else { return false }
            return error.message == message && error.exitStatus == .badConfig
                && (error.hint ?? "").contains("/etc/node3.conf")
        }
    }

    @Test("printable node names, including non-ASCII ones, pass the registration check")
    func nodeNameCheckAccepts() throws {
        for name in ["node1", "dc-1.db_2", "nœud été", "节点"] {
            try NodeNameCheck.requireValid(
                NodeConfiguration(nodeID: 1, nodeName: name, conninfo: "host=127.0.0.1", dataDirectory: "/tmp/x"))
        }
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
