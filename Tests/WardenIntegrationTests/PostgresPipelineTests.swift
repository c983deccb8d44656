import Foundation
import Testing
import WardenEngine

/// `PostgresConnection.pipeline` against a real server: one round trip, one outcome per
/// statement, a failing statement isolated from the others, and the connection usable afterwards.
@Suite("Postgres pipeline", .serialized)
struct PostgresPipelineTests {
    @Test("each statement gets its own outcome; a failure does not abort the others")
    func outcomesPerStatement() async throws {
        let sandbox = try TestSandbox()
        defer { sandbox.cleanup() }
        let primary = try PostgresServer.startPrimary(in: sandbox)
        let connection = try await PostgresConnection.connect(try Conninfo(parsing: primary.conninfo))
        try await connection.query("CREATE TABLE pipeline_probe (value text)")

        let outcomes = try await connection.pipeline([
            .init("SELECT $1::int + 1 AS next", ["41"]),
            .init("INSERT INTO pipeline_probe VALUES ($1)", ["kept"]),
            .init("SELECT value FROM no_such_table"),
            .init("INSERT INTO pipeline_probe VALUES ($1)", ["also kept"]),
            .init("SELECT count(*) AS rows FROM pipeline_probe"),
        ])

        #expect(outcomes.count == 5)
        #expect(try outcomes[0].get().first?.int("next") == 42)
        #expect(try outcomes[1].get().affectedRows == 1)
        switch outcomes[2] {
        case .success(let result): Issue.record("a query of a missing table succeeded: \(result.rows)")
        case .failure(let error): #expect(error.message.contains("no_such_table"), "\(error.message)")
        }
        #expect(try outcomes[3].get().affectedRows == 1)
        #expect(try outcomes[4].get().first?.int("rows") == 2)

        // Out of pipeline mode again: plain queries and a second pipeline work on the same connection.
        #expect(!connection.isBroken)
        #expect(try await connection.query("SELECT 'plain' AS mode").first?.string("mode") == "plain")
        let again = try await connection.pipeline([.init("SELECT 1 AS one")])
        #expect(try again[0].get().first?.int("one") == 1)
    }

    @Test("a batch that outlives its timeout throws and gives the connection up")
    func timeout() async throws {
        let sandbox = try TestSandbox()
        defer { sandbox.cleanup() }
        let primary = try PostgresServer.startPrimary(in: sandbox)
        let connection = try await PostgresConnection.connect(try Conninfo(parsing: primary.conninfo))
        let started = ContinuousClock.now
        await #expect(throws: WardenError.self) {
            try await connection.pipeline([.init("SELECT 1"), .init("SELECT pg_sleep(30)")], timeout: .seconds(1))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(connection.isBroken)
    }
}
