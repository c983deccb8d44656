import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a live process is this node's pgwarden daemon, as `/proc` tells: run by this OS
/// user, `pgwarden` (its executable or `argv[0]`), `daemon run` among its arguments, and — when its
/// command line names a configuration file — this configuration file. `daemon stop` signals a
/// PID from a PID file only when it passes, so a PID file that names another process (planted,
/// or left behind and its PID reused) never makes it kill that process.
public enum DaemonProcessIdentity {
    /// Nil when `pid` is this configuration's daemon; otherwise why not.
    public static func mismatch(pid: Int32, configurationFile: String) -> String? {
        var status = stat()
        guard stat("/proc/\(pid)", &status) == 0 else { return "process \(pid) does not exist" }
        guard status.st_uid == geteuid() else {
            return "process \(pid) belongs to \(UserName.describe(status.st_uid))"
        }
        guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else {
            return "the command line of process \(pid) cannot be read"
        }
        let arguments = raw.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }.filter { !$0.isEmpty }
        let shown = ConfigurationFileParser.excerpt(arguments.joined(separator: " "))
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
        let names = [executable, arguments.first ?? ""].map { ($0 as NSString).lastPathComponent }
        guard names.contains(where: { $0.hasPrefix("pgwarden") }),
            let daemon = arguments.firstIndex(of: "daemon"), arguments[(daemon + 1)...].contains("run")
        else { return "process \(pid) is not a pgwarden daemon (\(shown))" }
        guard let named = configurationArgument(arguments) else { return nil }
        let workingDirectory = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) ?? "/"
        let theirs = resolved(named.hasPrefix("/") ? named : workingDirectory + "/" + named)
        guard theirs == resolved(configurationFile) else {
            return "process \(pid) is the pgwarden daemon of another configuration file (\(theirs))"
        }
        return nil
    }

    /// The value of `-f` / `--config-file` on a command line.
    static func configurationArgument(_ arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == "-f" || argument == "--config-file", index + 1 < arguments.count {
                return arguments[index + 1]
            }
            if argument.hasPrefix("--config-file=") { return String(argument.dropFirst("--config-file=".count)) }
        }
        return nil
    }

    private static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return (path as NSString).standardizingPath }
        defer { free(real) }
        return String(cString: real)
    }
}
