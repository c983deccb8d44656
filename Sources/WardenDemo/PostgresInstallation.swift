import Foundation
import WardenEngine

/// The local PostgreSQL server programs (and pgbouncer, when installed) the demo runs.
public struct PostgresInstallation: Sendable {
    /// The directory holding initdb, pg_ctl, postgres and pg_basebackup.
    public let bindir: String
    /// The pgbouncer executable, nil when pgbouncer is not installed.
    public let pgbouncer: String?

    /// The programs a directory must hold to be used.
    static let requiredPrograms = ["initdb", "pg_ctl", "postgres", "pg_basebackup"]

    /// Looks in `$PGWARDEN_PG_BINDIR`, `pg_config --bindir`, every `$PATH` directory holding initdb, then
    /// `/usr/lib/postgresql/*/bin` (newest first); PostgreSQL 15 wins over other versions.
    public static func locate(environment: [String: String]) async throws(WardenError) -> PostgresInstallation {
        var candidates: [String] = []
        if let explicit = environment["PGWARDEN_PG_BINDIR"], !explicit.isEmpty { candidates.append(explicit) }
        let searchPath = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        if let pgConfig = executable("pg_config", in: searchPath) {
            let outcome = await ChildProcess.run([pgConfig, "--bindir"], timeout: .seconds(10))
            if outcome.exitCode == 0 {
                candidates.append(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        candidates += searchPath.filter { access($0 + "/initdb", X_OK) == 0 }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin" }
        let complete = candidates.filter { directory in
            requiredPrograms.allSatisfy { access(directory + "/" + $0, X_OK) == 0 }
        }
        guard let bindir = complete.first(where: { $0.contains("/15/") }) ?? complete.first else {
            var seen: [String] = []
            for candidate in candidates where !seen.contains(candidate) { seen.append(candidate) }
            throw WardenError(
                "the PostgreSQL server programs (\(requiredPrograms.joined(separator: ", "))) were not found",
                detail: seen.isEmpty ? "no candidate directory exists" : "looked in: \(seen.joined(separator: ", "))",
                hint: "install the Debian package postgresql-15 (apt-get install postgresql-15), "
                    + "or set PGWARDEN_PG_BINDIR to the directory holding initdb",
                exitStatus: .badConfig)
        }
        let pgbouncer =
            access("/usr/sbin/pgbouncer", X_OK) == 0 ? "/usr/sbin/pgbouncer" : executable("pgbouncer", in: searchPath)
        return PostgresInstallation(bindir: bindir, pgbouncer: pgbouncer)
    }

    /// The absolute path of `program` in ``bindir``.
    public func path(_ program: String) -> String { bindir + "/" + program }

    private static func executable(_ name: String, in directories: [String]) -> String? {
        directories.map { $0 + "/" + name }.first { access($0, X_OK) == 0 }
    }
}
