import Foundation
import WardenEngine

/// Free TCP ports on 127.0.0.1, chosen by the kernel: all sockets are held until every port is
/// known, so the ports differ from each other, then released for the servers to take.
enum LoopbackPorts {
    static func allocate(_ count: Int) throws(WardenError) -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let handle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard handle >= 0 else { throw failure("socket") }
            sockets.append(handle)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                    bind(handle, generic, length) == 0 && getsockname(handle, generic, &length) == 0
                }
            }
            guard bound else { throw failure("bind") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    private static func failure(_ call: String) -> WardenError {
        WardenError(
            "cannot find a free port on 127.0.0.1 (\(call): \(String(cString: strerror(errno))))",
            exitStatus: .badConfig)
    }
}
