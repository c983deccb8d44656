import Foundation
import WardenEngine

/// The demo's directory, and the account switch of a demo started as root: the directory is
/// created (or an empty one adopted) and marked as a demo sandbox; as root it is handed to the
/// `postgres` account together with a copy of the pgwarden executable (and the theme files), and
/// the demo restarts itself from that copy as that account (setuid, then exec, so that no thread
/// keeps root). Every server, daemon and pgbouncer then runs unprivileged. As a normal user,
/// everything runs as that user from the start.
struct DemoSandbox: Sendable {
    let directory: String
    /// The pgwarden executable the daemons run.
    let executable: String

    /// Names the directory a root demo prepared before it restarted itself as the unprivileged account.
    static let preparedVariable = "PGWARDEN_DEMO_PREPARED_DIR"

    static func prepare(options: DemoOptions, themes: String?, steps: DemoSteps) async throws(WardenError)
        -> DemoSandbox
    {
        if let prepared = options.environment[preparedVariable], !prepared.isEmpty {
            unsetenv(preparedVariable)
            return DemoSandbox(directory: try adopt(prepared), executable: options.executable)
        }
        let asRoot = geteuid() == 0
        var directory = ""
        try await steps.run("create the demo directory") { () async throws(WardenError) -> String? in
            directory = try create(options: options, asRoot: asRoot)
            return directory
        }
        guard asRoot else { return DemoSandbox(directory: directory, executable: options.executable) }
        let name = DemoAccount.serverAccountName
        try await steps.run("switch to user \(name) (PostgreSQL refuses to run as root)") {
            () async throws(WardenError) -> String? in
            do throws(WardenError) {
                try await relaunch(as: name, in: directory, options: options, themes: themes, steps: steps)
            } catch {
                DemoTeardown.removeDirectory(directory)
                throw error
            }
            return nil
        }
        throw WardenError("the demo could not restart itself as user \(name)", exitStatus: .badConfig)
    }

    /// Hands the directory to the account, copies what it needs there, drops root and execs the copy;
    /// returns only by throwing.
    private static func relaunch(
        as name: String, in directory: String, options: DemoOptions, themes: String?, steps: DemoSteps
    ) async throws(WardenError) {
        guard let account = DemoAccount.named(name) else {
            throw WardenError(
                "the demo runs as root, PostgreSQL refuses to run as root, and there is no \"\(name)\" user",
                hint: "install postgresql-15 (it creates the user), or run the demo as a normal user",
                exitStatus: .badConfig)
        }
        try account.own(directory, mode: 0o700)
        try account.own(directory + "/" + DemoTeardown.markerName, mode: 0o644)
        guard account.canUse(directory, execute: true) else {
            throw WardenError(
                "user \(name) cannot enter \"\(directory)\": a directory above it is closed to that user",
                hint: "choose a directory under /tmp with --dir", exitStatus: .badConfig)
        }
        let executable = try await ExecutableCopy.install(options.executable, into: directory + "/bin", for: account)
        if let themes, let copied = try copyThemes(from: themes, into: directory + "/themes", for: account) {
            setenv("PGWARDEN_THEMES_DIR", copied, 1)
        }
        try account.become()
        guard chdir(directory) == 0 else {
            throw WardenError("user \(name) cannot enter \"\(directory)\"", exitStatus: .badConfig)
        }
        setenv(preparedVariable, directory, 1)
        steps.progress(.note("restarting as user \(name) from \(executable)"))
        // The new program inherits this thread's signal mask and ignored signals: give it a clean slate.
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
        for number in [SIGINT, SIGTERM, SIGHUP] { signal(number, SIG_DFL) }
        let arguments = [executable] + options.relaunchArguments(directory)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv(executable, argv)
        let reason = String(cString: strerror(errno))
        argv.forEach { free($0) }
        throw WardenError("cannot run \(executable) as user \(name): \(reason)", exitStatus: .badConfig)
    }

    /// The directory a root demo prepared: it must carry the marker and belong to this user.
    private static func adopt(_ directory: String) throws(WardenError) -> String {
        var info = stat()
        guard stat(directory, &info) == 0, info.st_uid == getuid(),
            FileManager.default.fileExists(atPath: directory + "/" + DemoTeardown.markerName)
        else {
            throw WardenError("\"\(directory)\" is not a demo directory prepared for this user", exitStatus: .badConfig)
        }
        return directory
    }

    private static func create(options: DemoOptions, asRoot: Bool) throws(WardenError) -> String {
        let manager = FileManager.default
        let directory: String
        if let requested = options.directory {
            let absolute = requested.hasPrefix("/") ? requested : manager.currentDirectoryPath + "/" + requested
            directory = URL(fileURLWithPath: absolute).standardized.path
            try DemoFiles.checkPath(directory)
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
                guard isDirectory.boolValue, (try? manager.contentsOfDirectory(atPath: directory))?.isEmpty == true
                else {
                    throw WardenError(
                        "\"\(directory)\" already exists and is not an empty directory",
                        hint: "give --dir a new or empty directory", exitStatus: .badConfig)
                }
            } else {
                do {
                    try manager.createDirectory(
                        atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                } catch {
                    throw WardenError(
                        "cannot create \"\(directory)\": \(error.localizedDescription)", exitStatus: .badConfig)
                }
            }
        } else {
            let base = asRoot ? "/tmp" : (options.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp")
            var template = Array("\(base)/pgwarden-demo-XXXXXX".utf8CString)
            let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
                guard let start = buffer.baseAddress, mkdtemp(start) != nil else { return nil }
                return String(cString: start)
            }
            guard let created else {
                throw WardenError(
                    "cannot create a directory in \(base): \(String(cString: strerror(errno)))",
                    hint: "set TMPDIR or give --dir", exitStatus: .badConfig)
            }
            directory = created
            try DemoFiles.checkPath(directory)
        }
        try DemoFiles.write(
            "pgwarden demo sandbox; removed when the demo ends (unless --keep)\n",
            to: directory + "/" + DemoTeardown.markerName, mode: 0o644)
        return directory
    }

    private static func copyThemes(from source: String, into target: String, for account: DemoAccount)
        throws(WardenError) -> String?
    {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []).filter {
            $0.hasSuffix(".yaml") || $0.hasSuffix(".yml")
        }
        guard !files.isEmpty else { return nil }
        do {
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            for file in files {
                try FileManager.default.copyItem(atPath: source + "/" + file, toPath: target + "/" + file)
                try account.own(target + "/" + file, mode: 0o644)
            }
        } catch let error as WardenError {
            throw error
        } catch {
            throw WardenError("cannot copy the theme files: \(error.localizedDescription)", exitStatus: .badConfig)
        }
        try account.own(target, mode: 0o755)
        return target
    }
}
