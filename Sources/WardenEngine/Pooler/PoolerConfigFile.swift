import Foundation

/// A pgbouncer configuration file (`pgbouncer.ini`), edited the way an administrator would:
/// only the `host` and `port` of one `[databases]` entry change; every other option on that
/// line, every comment and every other line stay as they were.
///
/// ``save(to:)`` replaces the file atomically (a temporary file in the same directory, then
/// `rename(2)`), keeping its mode and, when possible, its owner, so pgbouncer's `RELOAD` always
/// reads either the old or the new file.
public struct PoolerConfigFile: Sendable, Equatable {
    /// The file's text.
    public private(set) var text: String

    public init(text: String) {
        self.text = text
    }

    /// Reads `path`; the error says whether the file is missing or unreadable for this user.
    public static func read(_ path: String) throws(WardenError) -> PoolerConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason =
                FileManager.default.fileExists(atPath: path)
                ? "pgwarden (user \(currentUserName())) may not read it" : "it does not exist on this host"
            throw WardenError(
                "cannot read pgbouncer's configuration file \(path): \(reason)",
                hint:
                    "pgwarden repoints pgbouncer by rewriting that file; run it on pgbouncer's host as a user who may write it",
                exitStatus: .localCommand)
        }
        return PoolerConfigFile(text: String(decoding: data, as: UTF8.self))
    }

    /// Points the `[databases]` entry of `database` at `host`:`port`, keeping its other options
    /// (`dbname`, `user`, `pool_size`, …). Throws when the section has no entry for it (a
    /// database served through the `*` fallback entry, or configured in an included file).
    public mutating func repoint(_ database: PoolerDatabaseName, host: String, port: String) throws(WardenError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var inDatabases = false
        var changed = 0
        for index in lines.indices {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") {
                inDatabases = trimmed.lowercased().replacingOccurrences(of: " ", with: "") == "[databases]"
                continue
            }
            guard inDatabases, !trimmed.isEmpty, !trimmed.hasPrefix(";"), !trimmed.hasPrefix("#"),
                let separator = Self.keySeparator(in: lines[index]),
                Self.unquotedKey(String(lines[index][..<separator])) == database.name
            else { continue }
            let valueStart = lines[index].index(after: separator)
            let prefix = lines[index][..<valueStart]
            let value = String(lines[index][valueStart...])
            let leading = value.prefix { $0 == " " || $0 == "\t" }
            let trailingCarriageReturn = value.hasSuffix("\r") ? "\r" : ""
            let body = value.dropFirst(leading.count).trimmingCharacters(in: CharacterSet(charactersIn: " \t\r"))
            let pairs = try Self.connectionPairs(body, database: database)
            var rebuilt: [String] = []
            var sawHost = false
            var sawPort = false
            for pair in pairs {
                switch pair.key {
                case "host":
                    if !sawHost { rebuilt.append("host=" + Self.quoteValue(host)) }
                    sawHost = true
                case "port":
                    if !sawPort { rebuilt.append("port=" + Self.quoteValue(port)) }
                    sawPort = true
                default:
                    rebuilt.append(pair.text)
                }
            }
            if !sawHost { rebuilt.append("host=" + Self.quoteValue(host)) }
            if !sawPort { rebuilt.append("port=" + Self.quoteValue(port)) }
            lines[index] = String(prefix) + leading + rebuilt.joined(separator: " ") + trailingCarriageReturn
            changed += 1
        }
        guard changed > 0 else {
            throw WardenError(
                "pgbouncer's configuration has no [databases] entry named \"\(database.name)\"",
                hint: "add an explicit entry for it (pgwarden does not rewrite the \"*\" fallback entry)",
                exitStatus: .localCommand)
        }
        text = lines.joined(separator: "\n")
    }

    /// Replaces `path` with this text: a temporary file next to it gets the old file's mode
    /// (and owner, when this process may set it), is synced, and is renamed over `path`.
    public func save(to path: String) throws(WardenError) {
        func failure(_ what: String) -> WardenError {
            WardenError(
                "cannot write pgbouncer's configuration file \(path): \(what): \(String(cString: strerror(errno)))",
                hint:
                    "pgwarden must run on pgbouncer's host as a user who may write that file and create files in its directory",
                exitStatus: .localCommand)
        }
        var status = stat()
        guard stat(path, &status) == 0 else { throw failure("stat") }
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        var template = Array("\(directory.isEmpty ? "." : directory)/.\(base).pgwarden-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let address = buffer.baseAddress else { return -1 }
            return mkstemp(address)
        }
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        let temporary = template.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { String(cString: $0) } ?? ""
        }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                let error = failure("write to \(temporary)")
                unlink(temporary)
                throw error
            }
            written += result
        }
        // Owner first: fchown clears set-id bits, and an unprivileged user may not change it at all.
        _ = fchown(descriptor, status.st_uid, status.st_gid)
        guard fchmod(descriptor, status.st_mode & 0o7777) == 0, fsync(descriptor) == 0 else {
            let error = failure("cannot set the mode of \(temporary)")
            unlink(temporary)
            throw error
        }
        closed = true
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename")
            unlink(temporary)
            throw error
        }
    }

    // MARK: - Parsing

    /// The `=` that ends the key of an entry line; a double-quoted key may contain one.
    static func keySeparator(in line: String) -> String.Index? {
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if character == "\"" {
                inQuotes.toggle()
            } else if character == "=" && !inQuotes {
                return index
            }
            index = line.index(after: index)
        }
        return nil
    }

    /// The entry's name: blanks trimmed, SQL-style double quotes removed (`""` is one quote).
    static func unquotedKey(_ raw: String) -> String {
        let key = raw.trimmingCharacters(in: .whitespaces)
        guard key.count >= 2, key.hasPrefix("\""), key.hasSuffix("\"") else { return key }
        return String(key.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }

    /// Splits a pgbouncer connection string into `key=value` pairs as pgbouncer does (blanks are
    /// spaces only; a value may be single-quoted with `''` for a quote), keeping each pair's text.
    static func connectionPairs(_ body: String, database: PoolerDatabaseName) throws(WardenError)
        -> [(key: String, text: String)]
    {
        var pairs: [(key: String, text: String)] = []
        var rest = Substring(body)
        func malformed() -> WardenError {
            WardenError(
                "cannot parse the [databases] entry of \"\(database.name)\" in pgbouncer's configuration",
                detail: "entry: \(Conninfo.maskPasswords(in: body))", exitStatus: .localCommand)
        }
        while true {
            rest = rest.drop { $0 == " " }
            if rest.isEmpty { break }
            let start = rest.startIndex
            let key = rest.prefix { $0 != "=" && $0 != " " }
            rest = rest.dropFirst(key.count).drop { $0 == " " }
            guard !key.isEmpty, rest.first == "=" else { throw malformed() }
            rest = rest.dropFirst().drop { $0 == " " }
            if rest.first == "'" {
                rest = rest.dropFirst()
                var closed = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if character == "'" {
                        if rest.first == "'" {
                            rest = rest.dropFirst()
                        } else {
                            closed = true
                            break
                        }
                    }
                }
                guard closed else { throw malformed() }
            } else {
                let value = rest.prefix { $0 != " " }
                guard !value.isEmpty else { throw malformed() }
                rest = rest.dropFirst(value.count)
            }
            pairs.append((String(key), String(body[start..<rest.startIndex])))
        }
        return pairs
    }

    /// A value as pgbouncer reads it: bare when it is a plain word, otherwise single-quoted.
    static func quoteValue(_ value: String) -> String {
        if !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-:/".contains($0)) }) {
            return value
        }
        return "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    private static func currentUserName() -> String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "uid \(geteuid())" }
        return String(cString: name)
    }
}
