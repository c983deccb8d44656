import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fresh temporary directory for one test, reachable by the server user.
///
/// CI runs the tests as root from a checkout whose parents the `postgres` user may not enter (for example
/// under /root), so everything a server or a pgwarden process running as `postgres` needs — data
/// directories, configuration files, the pgwarden binary itself — lives here: `/tmp/pgwarden-test-XXXXXX`,
/// mode 0755, owned by the server user (see ``SystemUser/serverUser()``).
///
/// ``cleanup()`` (also run by `deinit` and, for sandboxes still alive at exit, by ``ServerRegistry``)
/// stops every server whose data directory lies inside and removes the directory.
final class TestSandbox: @unchecked Sendable {
    /// Absolute path of the sandbox directory.
    let path: String
    /// The account servers and pgwarden processes run as.
    let serverUser: SystemUser

    private let lock = NSLock()
    private var removed = false

    init() throws {
        let user = try SystemUser.serverUser()
        var template = Array("/tmp/pgwarden-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let directory = created else {
            throw HarnessError(
                "mkdtemp /tmp/pgwarden-test-XXXXXX failed: \(String(cString: strerror(errno)))")
        }
        path = directory
        serverUser = user
        ServerRegistry.shared.registerSandbox(directory)
        try Self.hand(directory, to: user, mode: 0o755)
    }

    deinit {
        cleanup()
    }

    /// `path` joined with `components` ("a", "b/c" → "<sandbox>/a/b/c").
    func subpath(_ components: String...) -> String {
        ([path] + components).joined(separator: "/")
    }

    /// Creates `relative` (and missing parents) inside the sandbox, owned by the server user.
    @discardableResult
    func makeDirectory(_ relative: String, mode: mode_t = 0o755) throws -> String {
        let target = subpath(relative)
        do {
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        } catch {
            throw HarnessError("cannot create directory \(target): \(error)")
        }
        var current = path
        for component in relative.split(separator: "/") {
            current += "/" + component
            try Self.hand(current, to: serverUser, mode: mode)
        }
        return target
    }

    /// Writes `contents` to `relative` inside the sandbox (creating parent directories), owned by the
    /// server user. Returns the absolute path.
    @discardableResult
    func writeFile(_ relative: String, contents: String, mode: mode_t = 0o644) throws -> String {
        let target = subpath(relative)
        let parent = (relative as NSString).deletingLastPathComponent
        if !parent.isEmpty { try makeDirectory(parent) }
        guard FileManager.default.createFile(atPath: target, contents: Data(contents.utf8)) else {
            throw HarnessError("cannot write \(target)")
        }
        try Self.hand(target, to: serverUser, mode: mode)
        return target
    }

    /// Copies the built `pgwarden` executable to `<sandbox>/bin/pgwarden` (mode 0755) and returns that path.
    /// Checks that the server user can load it; if the Swift runtime libraries it needs are out of that
    /// user's reach (a toolchain under /root), they are copied next to it (the binary's RUNPATH has `$ORIGIN`).
    @discardableResult
    func copyPgwardenBinary() throws -> String {
        let target = subpath("bin", "pgwarden")
        if FileManager.default.isExecutableFile(atPath: target) { return target }
        let source = try Self.locatePgwardenBinary()
        let binDirectory = try makeDirectory("bin")
        do {
            try FileManager.default.copyItem(atPath: source, toPath: target)
        } catch {
            throw HarnessError("cannot copy \(source) to \(target): \(error)")
        }
        try Self.hand(target, to: serverUser, mode: 0o755)
        if !SystemUser.isCurrent(serverUser.name) {
            try makeLoadable(target, libraryDirectory: binDirectory)
        }
        return target
    }

    /// Stops every server under the sandbox and deletes it. Safe to call more than once.
    func cleanup() {
        let alreadyRemoved = lock.withLock {
            let was = removed
            removed = true
            return was
        }
        guard !alreadyRemoved else { return }
        ServerRegistry.shared.stopServers(under: path)
        try? FileManager.default.removeItem(atPath: path)
        ServerRegistry.shared.unregisterSandbox(path)
    }

    /// Where the built `pgwarden` is: `$PGWARDEN_BINARY`, else next to the test binary (SwiftPM puts both
    /// in `.build*/<triple>/debug/`), else that directory's parent.
    static func locatePgwardenBinary() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["PGWARDEN_BINARY"], !explicit.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw HarnessError("PGWARDEN_BINARY=\(explicit) is not an executable file")
            }
            return explicit
        }
        var directories: [String] = []
        func addDirectoryAndParent(_ directory: String) {
            let resolved = URL(fileURLWithPath: directory).standardizedFileURL.path
            for candidate in [resolved, (resolved as NSString).deletingLastPathComponent]
            where !directories.contains(candidate) {
                directories.append(candidate)
            }
        }
        if let argv0 = CommandLine.arguments.first {
            let absolute =
                argv0.hasPrefix("/") ? argv0 : FileManager.default.currentDirectoryPath + "/" + argv0
            addDirectoryAndParent((absolute as NSString).deletingLastPathComponent)
            let resolved = URL(fileURLWithPath: absolute).resolvingSymlinksInPath().path
            addDirectoryAndParent((resolved as NSString).deletingLastPathComponent)
        }
        addDirectoryAndParent(Bundle.main.bundlePath)
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            addDirectoryAndParent((executable as NSString).deletingLastPathComponent)
        }
        for directory in directories {
            let candidate = directory + "/pgwarden"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory),
                !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        throw HarnessError(
            "the pgwarden executable is not built; looked in: \(directories.joined(separator: ", ")). "
                + "Run `swift build` (or `swift test`, which builds it) first, or set PGWARDEN_BINARY.")
    }

    // MARK: - Helpers

    private static func hand(_ target: String, to user: SystemUser, mode: mode_t) throws {
        if geteuid() == 0, chown(target, user.uid, user.gid) != 0 {
            throw HarnessError("chown \(user.name) \(target) failed: \(String(cString: strerror(errno)))")
        }
        if chmod(target, mode) != 0 {
            throw HarnessError(
                "chmod \(String(mode, radix: 8)) \(target) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Makes sure the server user's dynamic loader finds every library of `binary`; copies the ones it
    /// cannot reach into `libraryDirectory`.
    private func makeLoadable(_ binary: String, libraryDirectory: String) throws {
        let missing = try librariesNotFound(binary)
        guard !missing.isEmpty else { return }
        let asRoot = try ProcessRunner.run(["ldd", binary], timeout: .seconds(30))
        var resolved: [String: String] = [:]
        for line in asRoot.stdout.split(separator: "\n") {
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            if parts.count >= 3, parts[1] == "=>", parts[2].hasPrefix("/") {
                resolved[String(parts[0])] = String(parts[2])
            }
        }
        for name in missing {
            guard let source = resolved[name] else {
                throw HarnessError(
                    "\(binary) needs \(name), which ldd cannot find even for root:\n\(asRoot.output)")
            }
            let destination = libraryDirectory + "/" + name
            if !FileManager.default.fileExists(atPath: destination) {
                try? FileManager.default.copyItem(atPath: source, toPath: destination)
                try Self.hand(destination, to: serverUser, mode: 0o755)
            }
        }
        let stillMissing = try librariesNotFound(binary)
        guard stillMissing.isEmpty else {
            throw HarnessError(
                "user \(serverUser.name) cannot load \(binary): missing \(stillMissing.joined(separator: ", "))"
            )
        }
    }

    private func librariesNotFound(_ binary: String) throws -> [String] {
        let result = try ProcessRunner.run(
            ["ldd", binary], asUser: serverUser.name, timeout: .seconds(30))
        if result.exitCode != 0, !result.output.contains("not found") {
            throw HarnessError("user \(serverUser.name) cannot inspect \(binary):\n\(result)")
        }
        return result.stdout.split(separator: "\n").compactMap { line in
            guard line.contains("=> not found") else { return nil }
            return line.split(separator: " ").first.map {
                String($0).trimmingCharacters(in: .whitespaces)
            }
        }
    }
}
