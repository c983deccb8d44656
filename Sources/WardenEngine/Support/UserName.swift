#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Names an OS user for messages: `postgres (uid 105)`, or `uid 4242` when the password
/// database does not know it.
public enum UserName {
    public static func describe(_ uid: uid_t) -> String {
        var entry = passwd()
        var buffer = [CChar](repeating: 0, count: 4096)
        var result: UnsafeMutablePointer<passwd>?
        let status = buffer.withUnsafeMutableBufferPointer { raw -> Int32 in
            guard let base = raw.baseAddress else { return ENOMEM }
            return getpwuid_r(uid, &entry, base, raw.count, &result)
        }
        guard status == 0, let found = result, let name = found.pointee.pw_name else { return "uid \(uid)" }
        return "\(String(cString: name)) (uid \(uid))"
    }
}
