import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads and replaces the small files a daemon keeps (its state directory, its PID file, the
/// pointer in the data directory) without ever following a symbolic link, and without trusting
/// a file another OS user made: a file is read only when it is a regular file owned by this
/// process's user (`O_NOFOLLOW`, then `fstat` on the open descriptor), and replaced by writing a
/// new file under a random name (`O_CREAT | O_EXCL | O_NOFOLLOW`, mode 0600) in the same directory
/// and renaming it over the old one, so a reader sees the old or the new file, never half of one,
/// and a link planted at any name is neither followed nor written through.
public enum SafeFile {
    /// The contents of the file at `path`, or nil when there is none. Throws when it is a symbolic
    /// link, not a regular file, owned by another user, or larger than `limit` bytes.
    public static func contents(_ path: String, limit: Int) throws(WardenError) -> Data? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            if code == ELOOP { throw problem(path, "is a symbolic link") }
            throw problem(path, "cannot be opened (\(String(cString: strerror(code))))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw problem(path, "cannot be examined (\(String(cString: strerror(errno))))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw problem(path, "is not a regular file") }
        guard status.st_uid == geteuid() else {
            throw problem(
                path, "is owned by \(UserName.describe(status.st_uid)), not by \(UserName.describe(geteuid()))")
        }
        guard Int(status.st_size) <= limit else {
            throw problem(path, "is larger than \(limit) bytes")
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 8192)
        while data.count <= limit {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw problem(path, "cannot be read (\(String(cString: strerror(errno))))") }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        guard data.count <= limit else { throw problem(path, "is larger than \(limit) bytes") }
        return data
    }

    /// Replaces the file at `path` with `data` atomically; `durable` also syncs the new file to
    /// disk before the rename (for what must survive a crash, such as a vote).
    public static func replace(_ path: String, with data: Data, mode: mode_t = 0o600, durable: Bool = false)
        throws(WardenError)
    {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = "\(directory.isEmpty ? "." : directory)/.\(name).\(UUID().uuidString).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw problem(temporary, "cannot be created (\(String(cString: strerror(errno))))")
        }
        var failure: String?
        var offset = 0
        data.withUnsafeBytes { bytes in
            while offset < bytes.count, failure == nil {
                let count = write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if count < 0, errno == EINTR { continue }
                if count <= 0 {
                    failure = "cannot be written (\(String(cString: strerror(errno))))"
                } else {
                    offset += count
                }
            }
        }
        if failure == nil, durable, fsync(descriptor) != 0 {
            failure = "cannot be synced (\(String(cString: strerror(errno))))"
        }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 {
            failure = "cannot be renamed to \"\(path)\" (\(String(cString: strerror(errno))))"
        }
        if let failure {
            unlink(temporary)
            throw problem(temporary, failure)
        }
    }

    private static func problem(_ path: String, _ what: String) -> WardenError {
        WardenError("\"\(path)\" \(what)", exitStatus: .badConfig)
    }
}
