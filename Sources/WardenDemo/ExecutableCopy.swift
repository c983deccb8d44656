import Foundation
import WardenEngine

/// Copies the running pgwarden executable into the demo directory for the account the demo drops
/// to (the build directory may be out of its reach, under /root for example), together with the
/// shared libraries that account could not load from where they are: the executable's RUNPATH
/// ends in `$ORIGIN`, so copies next to it are found.
enum ExecutableCopy {
    static func install(_ executable: String, into binDirectory: String, for account: DemoAccount)
        async throws(WardenError) -> String
    {
        let target = binDirectory + "/pgwarden"
        do {
            try FileManager.default.createDirectory(atPath: binDirectory, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: executable, toPath: target)
        } catch {
            throw WardenError(
                "cannot copy \(executable) to \(target): \(error.localizedDescription)", exitStatus: .badConfig)
        }
        try account.own(binDirectory, mode: 0o755)
        try account.own(target, mode: 0o755)
        let ldd = await ChildProcess.run(["ldd", target], timeout: .seconds(30))
        for line in ldd.output.split(separator: "\n") {
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            guard parts.count >= 3, parts[1] == "=>", parts[2].hasPrefix("/") else { continue }
            let library = String(parts[2])
            if account.canUse(library) { continue }
            let copy = binDirectory + "/" + parts[0]
            do {
                try FileManager.default.copyItem(atPath: library, toPath: copy)
            } catch {
                throw WardenError(
                    "cannot copy \(library) for user \(account.name): \(error.localizedDescription)",
                    exitStatus: .badConfig)
            }
            try account.own(copy, mode: 0o755)
        }
        return target
    }
}
