import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds, reads and checks a node's `repmgr.conf`, producing a ``NodeConfiguration`` and the
/// ``ConfigurationWarning``s worth showing.
///
/// Every problem in the file is collected before anything is reported, as repmgr does: the single
/// ``WardenError`` thrown (exit status `.badConfig`) has the message
/// `following errors were found in the configuration file:` and one detail line per problem, each
/// indented by two spaces as repmgr prints them, e.g.
///
///     ERROR: following errors were found in the configuration file:
///       "node_id": invalid value (provided: "abc") in file "/etc/repmgr.conf" line 1
///       "node_name": required parameter was not found in file "/etc/repmgr.conf"
///
/// Unknown and deprecated keys are warnings, not errors.
public enum ConfigurationLoader {
    /// The environment variable that names the configuration file when `-f` is not given.
    public static let environmentVariable = "PGWARDEN_CONFIG"
    /// The file name looked for in the current directory.
    public static let defaultFileName = "repmgr.conf"
    /// The system-wide configuration file, the last place looked at.
    public static let systemFilePath = "/etc/repmgr.conf"
    /// At most this many problems (and warnings) of one file are listed; the rest are counted.
    static let maximumReported = 20
    /// The message of the error that lists a file's problems (repmgr's wording).
    public static let errorsFoundMessage = "following errors were found in the configuration file:"

    // MARK: - Locating

    /// The configuration file to use, as an absolute path, or nil when there is none.
    ///
    /// In order: the explicit `-f` path, then `$PGWARDEN_CONFIG` (both returned even if the file does not
    /// exist, so that ``load(path:)`` reports it), then `./repmgr.conf` and `/etc/repmgr.conf` if they exist.
    public static func locate(
        explicitPath: String?,
        environment: [String: String],
        currentDirectory: String
    ) -> String? {
        locate(
            explicitPath: explicitPath,
            environment: environment,
            currentDirectory: currentDirectory,
            systemPaths: [systemFilePath]
        )
    }

    /// ``locate(explicitPath:environment:currentDirectory:)`` with the system-wide paths replaceable (for tests).
    static func locate(
        explicitPath: String?,
        environment: [String: String],
        currentDirectory: String,
        systemPaths: [String]
    ) -> String? {
        if let explicitPath, !explicitPath.isEmpty {
            return absolutePath(explicitPath, relativeTo: currentDirectory)
        }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            return absolutePath(fromEnvironment, relativeTo: currentDirectory)
        }
        let local = absolutePath(defaultFileName, relativeTo: currentDirectory)
        if FileManager.default.fileExists(atPath: local) { return local }
        return systemPaths.first { FileManager.default.fileExists(atPath: $0) }
    }

    // MARK: - Loading

    /// Reads the file at `path` (relative paths are taken from the current directory) and checks it.
    public static func load(path: String) throws(WardenError) -> (NodeConfiguration, [ConfigurationWarning]) {
        let text = try readFile(path)
        return try parse(text: text, path: path)
    }

    /// Checks the text of a configuration file; `path` is the file it came from, used in messages and
    /// stored (made absolute) as ``NodeConfiguration/filePath``.
    public static func parse(
        text: String,
        path: String
    ) throws(WardenError) -> (NodeConfiguration, [ConfigurationWarning]) {
        let file = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        var lineProblems: [(line: Int, message: String)] = []
        var fileProblems: [String] = []
        var warnings: [ConfigurationWarning] = []
        var settings: [String: String] = [:]
        var settingLines: [String: Int] = [:]
        var rawValues: [String: String] = [:]
        var rawLines: [String: Int] = [:]
        var invalidKeys: Set<String> = []
        var mappings: [NodeConfiguration.TablespaceMapping] = []

        let (entries, syntaxErrors) = ConfigurationFileParser.parse(text)
        for error in syntaxErrors {
            lineProblems.append((error.line, "syntax error in file \"\(file)\" line \(error.line): \(error.reason)"))
        }

        for entry in entries {
            let location = " in file \"\(file)\" line \(entry.line)"
            let known = ConfigurationKey.named(entry.key)
            if let previous = rawLines[entry.key], known?.isRepeatable != true {
                warnings.append(
                    ConfigurationWarning(
                        file: file,
                        line: entry.line,
                        key: entry.key,
                        message:
                            "\"\(ConfigurationFileParser.excerpt(entry.key))\" is set more than once; this line overrides line \(previous)"
                    )
                )
            }
            rawValues[entry.key] = entry.value
            rawLines[entry.key] = entry.line

            guard let key = known else {
                if includeDirectives.contains(entry.key.lowercased()) {
                    lineProblems.append(
                        (
                            entry.line,
                            "\"\(ConfigurationFileParser.excerpt(entry.key))\": include directives are not supported; "
                                + "copy the included settings into this file\(location)"
                        )
                    )
                } else {
                    let message =
                        ConfigurationKey.deprecated[entry.key]
                        ?? "unknown configuration key \"\(ConfigurationFileParser.excerpt(entry.key))\""
                    warnings.append(
                        ConfigurationWarning(file: file, line: entry.line, key: entry.key, message: message))
                }
                continue
            }

            // An empty required value is reported below as "required parameter was not found", as repmgr does.
            if key.isRequired && entry.value.isEmpty {
                settings[key.name] = nil
                continue
            }

            if key.kind == .tablespaceMapping {
                switch tablespaceMapping(entry.value) {
                case .success(let mapping): mappings.append(mapping)
                case .failure(let problem):
                    invalidKeys.insert(key.name)
                    lineProblems.append((entry.line, problem.message + location))
                }
                continue
            }

            switch check(entry.value, for: key) {
            case .success(let normalized):
                settings[key.name] = normalized
                settingLines[key.name] = entry.line
            case .failure(let problem):
                invalidKeys.insert(key.name)
                let message: String
                if let continuation = problem.continuation {
                    message = problem.message + location + "\n\t" + continuation
                } else {
                    message = problem.message + location
                }
                lineProblems.append((entry.line, message))
            }
        }

        for name in ConfigurationKey.requiredNames
        where (settings[name] ?? "").isEmpty && !invalidKeys.contains(name) {
            fileProblems.append("\"\(name)\": required parameter was not found in file \"\(file)\"")
        }
        fileProblems += crossChecks(settings: settings, lines: settingLines, file: file)

        var problems =
            lineProblems.enumerated()
            .sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            .map(\.element.message) + fileProblems
        if problems.count > maximumReported {
            let hidden = problems.count - maximumReported
            problems = Array(problems.prefix(maximumReported)) + ["(\(hidden) more problems not shown)"]
        }
        if !problems.isEmpty {
            throw WardenError(
                errorsFoundMessage,
                detail: problems.map { "  " + $0 }.joined(separator: "\n"),
                exitStatus: .badConfig
            )
        }
        if warnings.count > maximumReported, let last = warnings.last {
            let hidden = warnings.count - maximumReported
            warnings =
                Array(warnings.prefix(maximumReported)) + [
                    ConfigurationWarning(
                        file: file, line: last.line, key: last.key, message: "\(hidden) more warnings not shown")
                ]
        }

        let configuration = NodeConfiguration(
            filePath: file,
            settings: settings,
            tablespaceMappings: mappings,
            rawValues: rawValues
        )
        return (configuration, warnings)
    }

    // MARK: - Reading the file

    /// The largest configuration file pgwarden reads (a repmgr.conf is a few kilobytes).
    public static let maximumFileSize = 1 << 20

    /// Reads a configuration file: only a regular file (a FIFO would block the read, a device such as
    /// /dev/zero never ends), of at most ``maximumFileSize`` bytes, with no NUL byte (not a text file).
    /// The file is opened non-blocking, so that opening a FIFO does not wait for a writer.
    private static func readFile(_ path: String) throws(WardenError) -> String {
        let absolute = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        let descriptor = open(absolute, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if descriptor < 0 {
            throw openError(path: path, absolutePath: absolute, code: errno)
        }
        defer { _ = close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw openError(path: path, absolutePath: absolute, code: errno)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw openError(path: path, absolutePath: absolute, code: EISDIR)
        default:
            throw WardenError(
                "provided configuration file \"\(absolute)\" is not a regular file",
                detail: "it is \(fileKind(info.st_mode))", exitStatus: .badConfig)
        }
        let tooLarge = WardenError(
            "provided configuration file \"\(absolute)\" is larger than \(maximumFileSize / 1024) KiB",
            hint: "check that -f names a repmgr.conf", exitStatus: .badConfig)
        if info.st_size > maximumFileSize { throw tooLarge }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw openError(path: path, absolutePath: absolute, code: code)
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
            if bytes.count > maximumFileSize { throw tooLarge }
        }
        if bytes.contains(0) {
            throw WardenError(
                "provided configuration file \"\(absolute)\" is not a text file",
                detail: "it contains NUL bytes", hint: "check that -f names a repmgr.conf", exitStatus: .badConfig)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What a file that is not a regular file is, for messages.
    private static func fileKind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// The error for a configuration file that cannot be opened or read (`code` is the `errno`).
    static func openError(path: String, absolutePath: String, code: Int32) -> WardenError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT, ENOTDIR:
            return WardenError(
                "provided configuration file \"\(path)\" not found",
                detail: reason,
                exitStatus: .badConfig
            )
        case EACCES, EPERM:
            return WardenError(
                "unable to read configuration file \"\(absolutePath)\": permission denied",
                detail: reason,
                hint: "check the permissions of the file and of the directories above it; "
                    + "the user running pgwarden must be able to read it",
                exitStatus: .badConfig
            )
        case EISDIR:
            return WardenError(
                "provided configuration file \"\(absolutePath)\" is a directory",
                detail: reason,
                exitStatus: .badConfig
            )
        default:
            return WardenError(
                "unable to read configuration file \"\(absolutePath)\"",
                detail: reason,
                exitStatus: .badConfig
            )
        }
    }

    // MARK: - Checking values

    private static let includeDirectives: Set<String> = ["include", "include_if_exists", "include_dir"]

    /// The keys whose value is a path, tidied as repmgr does (`canonicalize_path`).
    private static let pathKeys: Set<String> = [
        "data_directory", "config_directory", "pg_bindir", "repmgr_bindir", "log_file", "repmgrd_pid_file",
        "pgwarden_state_dir",
    ]

    /// PostgreSQL's NAMEDATALEN - 1: the longest `node_name` (an `application_name`) and `replication_user`.
    private static let maximumNameLength = 63

    /// What is wrong with a value: the message (key and value, not the location), and possibly a line
    /// to print under it.
    struct Problem: Error {
        let message: String
        let continuation: String?

        init(_ message: String, continuation: String? = nil) {
            self.message = message
            self.continuation = continuation
        }
    }

    /// Checks `value` against the kind of `key`; returns the value normalised (booleans as `true`/`false`,
    /// enumerations in their canonical spelling, integers in decimal, paths tidied).
    static func check(_ value: String, for key: ConfigurationKey) -> Result<String, Problem> {
        let name = key.name
        switch key.kind {
        case .integer(let minimum):
            return checkInteger(value, name: name, minimum: minimum).map { String($0) }
        case .boolean:
            guard let flag = ConfigurationFileParser.parseBoolean(value) else {
                return .failure(
                    Problem(
                        "\"\(name)\": unable to interpret \"\(ConfigurationFileParser.excerpt(value))\" as a boolean value"
                    ))
            }
            return .success(flag ? "true" : "false")
        case .enumeration(let allowed):
            if let match = allowed.first(where: { $0.lowercased() == value.lowercased() }) {
                return .success(match)
            }
            return .failure(
                Problem(
                    "value for \"\(name)\" must be \(alternatives(allowed)) (provided: \"\(ConfigurationFileParser.excerpt(value))\")"
                )
            )
        case .duration:
            return checkDuration(value, name: name)
        case .list, .tablespaceMapping:
            return .success(value)
        case .string:
            return checkString(value, name: name)
        }
    }

    /// `"a"`, `"a" or "b"`, `one of "a", "b" or "c"`.
    private static func alternatives(_ values: [String]) -> String {
        let quoted = values.map { "\"\($0)\"" }
        guard let last = quoted.last else { return "empty" }
        if quoted.count == 1 { return last }
        let list = quoted.dropLast().joined(separator: ", ") + " or " + last
        return quoted.count == 2 ? list : "one of " + list
    }

    private static func checkInteger(_ value: String, name: String, minimum: Int) -> Result<Int, Problem> {
        let digits = value.hasPrefix("-") || value.hasPrefix("+") ? value.dropFirst() : Substring(value)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(
                Problem("\"\(name)\": invalid value (provided: \"\(ConfigurationFileParser.excerpt(value))\")"))
        }
        guard let number = Int32(value) else {
            return .failure(
                Problem(
                    "\"\(name)\": must be a positive signed 32 bit integer, i.e. 2147483647 or less "
                        + "(provided: \"\(ConfigurationFileParser.excerpt(value))\")"
                )
            )
        }
        guard Int(number) >= minimum else {
            return .failure(
                Problem(
                    "\"\(name)\": must be \(minimum) or greater (provided: \"\(ConfigurationFileParser.excerpt(value))\")"
                ))
        }
        return .success(Int(number))
    }

    private static func checkDuration(_ value: String, name: String) -> Result<String, Problem> {
        guard !value.isEmpty else { return .success(value) }
        let digits = value.prefix { $0.isASCII && $0.isNumber }
        let unit = value.dropFirst(digits.count)
        guard !digits.isEmpty, Int32(digits) != nil, ["", "ms", "s", "min", "h", "d"].contains(unit) else {
            return .failure(
                Problem(
                    "\"\(name)\": invalid value (provided: \"\(ConfigurationFileParser.excerpt(value))\"); "
                        + "must be a non-negative integer, optionally followed by ms, s, min, h or d"
                )
            )
        }
        return .success(value)
    }

    private static func checkString(_ value: String, name: String) -> Result<String, Problem> {
        switch name {
        case "node_name", "replication_user":
            let length = value.utf8.count
            if length > maximumNameLength {
                return .failure(
                    Problem(
                        "value for \"\(name)\" must contain fewer than \(maximumNameLength + 1) characters "
                            + "(current length: \(length))"
                    )
                )
            }
        case "conninfo":
            if let problem = conninfoProblem(value, name: name) { return .failure(problem) }
        case "pgbouncer_admin_conninfo":
            for item in NodeConfiguration.splitConninfoList(value) {
                if let problem = conninfoProblem(item, name: name) { return .failure(problem) }
            }
        case "data_directory":
            guard value.hasPrefix("/") else {
                return .failure(
                    Problem(
                        "\"\(name)\": must be an absolute path (provided: \"\(ConfigurationFileParser.excerpt(value))\")"
                    ))
            }
        case "pgwarden_state_dir":
            // Its path goes into a file that peers read line by line (see StateDirectoryPointer).
            guard
                value.isEmpty
                    || (value.hasPrefix("/") && !value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
            else {
                return .failure(
                    Problem(
                        "\"\(name)\": must be an absolute path without control characters (provided: \"\(ConfigurationFileParser.excerpt(value))\")"
                    ))
            }
        default:
            break
        }
        if pathKeys.contains(name) && !value.isEmpty {
            return .success(canonicalizePath(value))
        }
        return .success(value)
    }

    /// libpq's complaint about a conninfo, as repmgr words it:
    /// `"conninfo": invalid connection option "portx"` with `(provided: "...")` (password masked) below.
    private static func conninfoProblem(_ value: String, name: String) -> Problem? {
        do {
            _ = try Conninfo(parsing: value)
            return nil
        } catch {
            let prefix = "error parsing conninfo: "
            let reason = error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
            // libpq's reason quotes the text it stopped at: room for that excerpt and its own words.
            return Problem(
                "\"\(name)\": \(ConfigurationFileParser.excerpt(reason, limit: 2 * ConfigurationFileParser.excerptLength))",
                continuation: "(provided: \"\(ConfigurationFileParser.excerpt(Conninfo.maskPasswords(in: value)))\")"
            )
        }
    }

    /// Splits `OLDDIR=NEWDIR` as pg_basebackup does (`\=` is a literal `=`).
    static func tablespaceMapping(_ value: String) -> Result<NodeConfiguration.TablespaceMapping, Problem> {
        var old = ""
        var new = ""
        var seenSeparator = false
        let characters = Array(value)
        var index = 0
        while index < characters.count {
            var character = characters[index]
            index += 1
            if character == "\\", index < characters.count, characters[index] == "=" {
                character = "="
                index += 1
            } else if character == "=" {
                if seenSeparator {
                    return .failure(
                        Problem(
                            "\"tablespace_mapping\": multiple \"=\" signs in tablespace mapping \"\(ConfigurationFileParser.excerpt(value))\""
                        )
                    )
                }
                seenSeparator = true
                continue
            }
            if seenSeparator { new.append(character) } else { old.append(character) }
        }
        guard !old.isEmpty, !new.isEmpty else {
            return .failure(
                Problem(
                    "\"tablespace_mapping\": invalid tablespace mapping format \"\(ConfigurationFileParser.excerpt(value))\", must be \"OLDDIR=NEWDIR\""
                )
            )
        }
        return .success(
            NodeConfiguration.TablespaceMapping(
                oldDirectory: canonicalizePath(old),
                newDirectory: canonicalizePath(new)
            )
        )
    }

    /// repmgr's sanity checks between parameters.
    private static func crossChecks(settings: [String: String], lines: [String: Int], file: String) -> [String] {
        func integer(_ key: String) -> Int {
            Int(settings[key] ?? ConfigurationKey.defaultValue(of: key)) ?? 0
        }
        func location(_ keys: String...) -> String {
            if let line = keys.compactMap({ lines[$0] }).max() {
                return " in file \"\(file)\" line \(line)"
            }
            return " in file \"\(file)\""
        }
        var problems: [String] = []
        if integer("archive_ready_warning") >= integer("archive_ready_critical") {
            problems.append(
                "\"archive_ready_critical\" must be greater than \"archive_ready_warning\""
                    + location("archive_ready_warning", "archive_ready_critical")
            )
        }
        if integer("replication_lag_warning") >= integer("replication_lag_critical") {
            problems.append(
                "\"replication_lag_critical\" must be greater than \"replication_lag_warning\""
                    + location("replication_lag_warning", "replication_lag_critical")
            )
        }
        if integer("standby_reconnect_timeout") < integer("node_rejoin_timeout") {
            problems.append(
                "\"standby_reconnect_timeout\" must be equal to or greater than \"node_rejoin_timeout\""
                    + location("standby_reconnect_timeout", "node_rejoin_timeout")
            )
        }
        let barmanHost = settings["barman_host"] ?? ""
        let barmanServer = settings["barman_server"] ?? ""
        if barmanHost.isEmpty != barmanServer.isEmpty {
            problems.append(
                "use \"barman_host\" for the hostname of the Barman server" + location("barman_host", "barman_server")
            )
            problems.append(
                "use \"barman_server\" for the name of the [server] section in the Barman configuration file"
                    + location("barman_host", "barman_server")
            )
        }
        return problems
    }

    // MARK: - Paths

    /// `path` made absolute against `directory` and tidied.
    static func absolutePath(_ path: String, relativeTo directory: String) -> String {
        if path.hasPrefix("/") { return canonicalizePath(path) }
        return canonicalizePath(directory + "/" + path)
    }

    /// Removes doubled slashes, `.` components and a trailing slash, as repmgr's `canonicalize_path` does
    /// (`..` is left alone, so symbolic links keep their meaning).
    static func canonicalizePath(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        let components = path.split(separator: "/").filter { $0 != "." }
        let joined = components.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}
