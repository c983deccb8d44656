import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Hands out TCP ports on 127.0.0.1 that are free right now, never the same one twice in a process.
///
/// Ports are picked at random *below* the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`,
/// normally 32768–60999) and checked by binding them. Outgoing connections take their local port from the
/// ephemeral range, so a port chosen here cannot be taken by a client socket while its server is down
/// (say, between `kill9()` and a restart) — which a port-0 ephemeral port could. If that range is
/// unusable, it falls back to binding port 0. A port can still be taken by another process between the
/// check and the server's start; ``PostgresServer/startPrimary(in:name:settings:)`` retries with a new port.
enum PortAllocator {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var issued: Set<Int> = []

    /// A port that is free now and was not handed out before by this process.
    static func allocate() throws -> Int {
        let upper = min(ephemeralLowerBound(), 32_768)
        let lower = 20_000
        if upper - lower >= 1_000 {
            for _ in 0..<200 {
                let port = Int.random(in: lower..<upper)
                if claim(port) { return port }
            }
        }
        for _ in 0..<50 {
            if let port = bindEphemeralPort(), claim(port) { return port }
        }
        throw HarnessError("could not find a free TCP port on 127.0.0.1")
    }

    /// True when a TCP listener on 127.0.0.1 accepts the connection (a paused server still does: the
    /// kernel completes the handshake).
    static func isAcceptingConnections(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        let rc = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return rc == 0
    }

    /// True when nothing on this machine listens on, or is bound to, 127.0.0.1:`port`.
    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: port)
        let rc = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return rc == 0
    }

    private static func claim(_ port: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !issued.contains(port), isFree(port) else { return false }
        issued.insert(port)
        return true
    }

    private static func bindEphemeralPort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func ephemeralLowerBound() -> Int {
        guard
            let text = try? String(
                contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
            let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first,
            let value = Int(first)
        else { return 32_768 }
        return value
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        return address
    }
}
