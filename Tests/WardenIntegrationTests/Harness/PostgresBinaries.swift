import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Locates the PostgreSQL 15 programs (`initdb`, `pg_ctl`, `postgres`, `psql`, `pg_basebackup`, ...).
///
/// Candidates, in order: `$PGWARDEN_PG_BINDIR`, `pg_config --bindir`, `/usr/lib/postgresql/15/bin`, then
/// every `$PATH` directory holding `initdb`. A candidate must hold all of ``requiredPrograms``; one whose
/// `postgres --version` reports major version 15 wins over the others. The answer is computed once.
enum PostgresBinaries {
    static let requiredPrograms = [
        "initdb", "pg_ctl", "postgres", "psql", "pg_basebackup", "pg_controldata",
    ]

    private static let located: Result<String, HarnessError> = locate()

    /// The directory holding the server and client programs.
    static func bindir() throws -> String {
        try located.get()
    }

    /// The absolute path of `program` in ``bindir()``.
    static func path(_ program: String) throws -> String {
        try bindir() + "/" + program
    }

    private static func locate() -> Result<String, HarnessError> {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["PGWARDEN_PG_BINDIR"], !override.isEmpty {
            candidates.append(override)
        }
        if let result = try? ProcessRunner.run(["pg_config", "--bindir"], timeout: .seconds(20)),
            result.succeeded
        {
            candidates.append(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        candidates.append("/usr/lib/postgresql/15/bin")
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":").map(String.init)
        where access(directory + "/initdb", X_OK) == 0 {
            candidates.append(directory)
        }

        let complete = candidates.filter { directory in
            requiredPrograms.allSatisfy { access(directory + "/" + $0, X_OK) == 0 }
        }
        if let version15 = complete.first(where: { majorVersion(in: $0) == 15 }) {
            return .success(version15)
        }
        if let any = complete.first {
            return .success(any)
        }
        var seen: [String] = []
        for candidate in candidates where !seen.contains(candidate) { seen.append(candidate) }
        return .failure(
            HarnessError(
                "PostgreSQL 15 server programs (\(requiredPrograms.joined(separator: ", "))) not found; looked in: "
                    + seen.joined(separator: ", ")
                    + ". Install the Debian package postgresql-15 "
                    + "(apt-get install --no-install-recommends postgresql-15 postgresql-client-15), "
                    + "or set PGWARDEN_PG_BINDIR."))
    }

    /// The major version printed by `postgres --version` in `directory` ("postgres (PostgreSQL) 15.18 ...").
    private static func majorVersion(in directory: String) -> Int? {
        guard
            let result = try? ProcessRunner.run(
                [directory + "/postgres", "--version"], timeout: .seconds(20)),
            result.succeeded,
            let versionWord = result.stdout.split(separator: " ").first(where: {
                $0.first?.isNumber == true
            }),
            let major = versionWord.split(separator: ".").first
        else { return nil }
        return Int(major)
    }
}
