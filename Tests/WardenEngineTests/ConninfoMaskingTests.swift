import CLibPQ
import Testing

@testable import WardenEngine

/// Issue 18, finding 6: the one masking function (`Conninfo.maskPasswords(in:)`) against every
/// separator libpq's parser accepts. Each case asserts the secret is gone *and* the exact text
/// that remains, and each conninfo case is first checked with libpq itself to really carry the
/// secret as `password` or `sslpassword`.
@Suite("Conninfo masking")
struct ConninfoMaskingTests {
    /// Every blank libpq skips around `=` and between pairs (C `isspace`).
    static let blanks = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\r\n", " \t\n "]

    /// What libpq reads for `keyword` in `text` (nil when it cannot parse it).
    static func libpqValue(_ keyword: String, in text: String) -> String? {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &error) else {
            if let error { PQfreemem(error) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var cursor = options
        while let name = cursor.pointee.keyword {
            if String(cString: name) == keyword { return cursor.pointee.val.map { String(cString: $0) } }
            cursor = cursor.advanced(by: 1)
        }
        return nil
    }

    @Test("any blank before and after `=`", arguments: blanks, blanks)
    func blanksAroundEquals(before: String, after: String) throws {
        let text = "host=a password\(before)=\(after)s3cr3t user=b"
        #expect(Self.libpqValue("password", in: text) == "s3cr3t")
        let masked = Conninfo.maskPasswords(in: text)
        #expect(!masked.contains("s3cr3t"))
        #expect(masked == "host=a password\(before)=\(after)******** user=b")
    }

    @Test("any blank between pairs ends a bare password", arguments: blanks)
    func blanksBetweenPairs(blank: String) throws {
        let text = "host=a\(blank)password=s3cr3t\(blank)user=b"
        #expect(Self.libpqValue("password", in: text) == "s3cr3t")
        #expect(Self.libpqValue("user", in: text) == "b")
        #expect(Conninfo.maskPasswords(in: text) == "host=a\(blank)password=********\(blank)user=b")
    }

    @Test(
        "quoted values with escapes, bare values with escapes, sslpassword, keyword at the start or end",
        arguments: [
            ("password='s3 cr\\'3t' user=b", "s3 cr'3t", "password=******** user=b"),
            ("password='s3\\\\cr3t'\tuser=b", "s3\\cr3t", "password=********\tuser=b"),
            ("password=s3\\ cr3t user=b", "s3 cr3t", "password=******** user=b"),
            ("password=s3'cr3t user=b", "s3'cr3t", "password=******** user=b"),
            ("host=a password = 's3cr3t'", "s3cr3t", "host=a password = ********"),
            ("host=a password=''", "", "host=a password=********"),
            ("sslpassword\t=\ts3cr3t host=a", "s3cr3t", "sslpassword\t=\t******** host=a"),
            ("host=a sslpassword='s3 cr3t'", "s3 cr3t", "host=a sslpassword=********"),
        ])
    func keywordValueForms(text: String, secret: String, expected: String) throws {
        let keyword = text.contains("sslpassword") ? "sslpassword" : "password"
        #expect(Self.libpqValue(keyword, in: text) == secret)
        let masked = Conninfo.maskPasswords(in: text)
        if !secret.isEmpty { #expect(!masked.contains(secret)) }
        #expect(masked == expected)
    }

    @Test(
        "URI form: the password in the user part and in query parameters",
        arguments: [
            ("postgresql://repmgr:s3cr3t@127.0.0.1:5432/repmgr", "postgresql://repmgr:********@127.0.0.1:5432/repmgr"),
            ("postgres://repmgr:s3%20cr3t@h/db", "postgres://repmgr:********@h/db"),
            (
                "postgresql://h/db?user=u&password=s3cr3t&sslmode=disable",
                "postgresql://h/db?user=u&password=********&sslmode=disable"
            ),
            ("postgresql://h/db?sslpassword=s3cr3t", "postgresql://h/db?sslpassword=********"),
            ("postgresql://repmgr@h:5432/db", "postgresql://repmgr@h:5432/db"),
            ("postgresql://h:5432/db", "postgresql://h:5432/db"),
        ])
    func uriForms(text: String, expected: String) throws {
        #expect(throws: Never.self) { try Conninfo(parsing: text) }
        let masked = Conninfo.maskPasswords(in: text)
        #expect(!masked.contains("s3cr3t") && !masked.contains("s3%20cr3t"))
        #expect(masked == expected)
    }

    @Test(
        "a conninfo inside a rendered command line keeps the quote that closes its shell word",
        arguments: [
            ("echo 'host=a password=s3cr3t' >> log", "echo 'host=a password=********' >> log"),
            ("echo \"host=a password=s3cr3t\" x", "echo \"host=a password=********\" x"),
            ("echo 'host=a password='\\''s3 cr3t'\\''' x", "echo 'host=a password='\\''********'\\''' x"),
            ("echo 'host=a password='\\''s3\\'\\''cr3t'\\''' x", "echo 'host=a password='\\''********'\\''' x"),
            (
                "env PGWARDEN_PRIMARY_CONNINFO='host=a password=s3cr3t'",
                "env PGWARDEN_PRIMARY_CONNINFO='host=a password=********'"
            ),
        ])
    func commandLines(text: String, expected: String) {
        let masked = Conninfo.maskPasswords(in: text)
        #expect(!masked.contains("s3") && !masked.contains("cr3t"))
        #expect(masked == expected)
    }

    @Test("the event-notification command line for %c has no password at all (issue 18, finding 3)")
    func renderedNotification() {
        let template = NotificationTemplate("/usr/local/bin/notify %c")
        let values: [Character: String] = ["c": "host=10.0.0.1 password=s3cr3t sslpassword='k 3'"]
        #expect(template.render(values) == "/usr/local/bin/notify 'host=10.0.0.1'")
        #expect(template.environment(for: values) == ["PGWARDEN_PRIMARY_CONNINFO": "host=10.0.0.1"])
        // A conninfo libpq cannot parse comes back masked.
        #expect(Conninfo.removingPasswords(from: "host='x password=s3cr3t") == "host='x password=********")
    }

    @Test(
        "text without a password is left exactly as it is",
        arguments: [
            "host=a user=b", "passwordless=1", "the password is wrong", "password",
            "postgresql://u@h/db user@example.org",
            "password authentication failed for user \"repmgr\"",
        ])
    func untouched(text: String) {
        #expect(Conninfo.maskPasswords(in: text) == text)
    }

    @Test("a parsed conninfo's description masks password and sslpassword and keeps every other value")
    func description() throws {
        let conninfo = try Conninfo(
            parsing: "host=a sslpassword='k3y pass' password\t=s3cr3t application_name='my app' user=b")
        let shown = conninfo.description
        #expect(!shown.contains("s3cr3t") && !shown.contains("k3y"))
        #expect(try Conninfo(parsing: shown)["password"] == "********")
        #expect(try Conninfo(parsing: shown)["sslpassword"] == "********")
        #expect(try Conninfo(parsing: shown)["application_name"] == "my app")
        #expect(try Conninfo(parsing: shown).host == "a")
        #expect(conninfo.connectionString.contains("password=s3cr3t"))
    }
}
