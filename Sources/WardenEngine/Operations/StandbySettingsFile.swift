import Foundation

/// Makes a stopped data directory start as a standby: appends `primary_conninfo` (and
/// `primary_slot_name`) to its postgresql.auto.conf — the last setting wins — and creates
/// standby.signal. Used by `standby clone` and `node rejoin`.
enum StandbySettingsFile {
    static func write(into dataDirectory: String, primaryConninfo: String, slotName: String?, writtenBy: String) throws
    {
        var settings = "\n# Added by pgwarden \(writtenBy)\n"
        settings += "primary_conninfo = \(PostgresSettingQuoting.quote(primaryConninfo))\n"
        if let slotName { settings += "primary_slot_name = \(PostgresSettingQuoting.quote(slotName))\n" }
        let autoConf = dataDirectory + "/postgresql.auto.conf"
        let existing = (try? String(contentsOfFile: autoConf, encoding: .utf8)) ?? ""
        try (existing + settings).write(toFile: autoConf, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: dataDirectory + "/standby.signal", contents: Data())
    }
}
