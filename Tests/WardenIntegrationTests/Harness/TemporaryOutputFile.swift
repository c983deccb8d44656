import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private temporary file that receives a child's stdout or stderr (files, never pipes: a daemon that
/// inherits a pipe would keep it open and a reader would wait forever).
///
/// Opened with `O_CLOEXEC` so children spawned concurrently by other tests do not inherit it.
final class TemporaryOutputFile {
    /// Every such file's path starts with this (`$TMPDIR/pgwarden-run-PID-`), so the ``ServerRegistry``
    /// watchdog can remove the ones left behind when this process dies mid-command.
    static let pathPrefix =
        (NSTemporaryDirectory() as NSString).appendingPathComponent("pgwarden-run-\(getpid())-")

    let path: String
    let fd: Int32

    init() throws {
        let path = Self.pathPrefix + UUID().uuidString
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw HarnessError(
                "cannot create temporary output file \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.fd = fd
    }

    /// Everything written so far, decoded as UTF-8 (invalid bytes are replaced).
    func contents() -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    func remove() {
        close(fd)
        unlink(path)
    }
}
