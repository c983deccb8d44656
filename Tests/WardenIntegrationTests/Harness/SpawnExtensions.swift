#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// glibc `posix_spawn` extensions that Swift's Glibc module does not import, looked up with `dlsym`.
///
/// - `posix_spawn_file_actions_addchdir_np` (glibc 2.29) runs the child in a given directory.
/// - `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34) closes every inherited descriptor from 3 up.
/// - `POSIX_SPAWN_SETSID` (glibc 2.26, value 0x80) starts the child in a new session.
enum SpawnExtensions {
    typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static let addChdir: AddChdir? = lookup("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
    static let addClosefrom: AddClosefrom? = lookup(
        "posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self)

    #if os(Linux)
        static let setsidFlag: Int32 = 0x80
    #else
        static let setsidFlag: Int32 = 0x400
    #endif

    private static func lookup<F>(_ name: String, as type: F.Type) -> F? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
}
