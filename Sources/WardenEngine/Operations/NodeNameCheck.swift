/// The rule `primary register`, `standby register` and `witness register` apply to `node_name`
/// before anything else: no control characters (tab, newline, escape, DEL, C1 controls, line and
/// paragraph separators). A node name becomes `application_name` in every `primary_conninfo`,
/// names the node in replication views and is printed by every report, so a name that carries
/// a separator or a terminal escape is refused with one message instead of being registered.
public enum NodeNameCheck {
    /// Throws (exit code 1, bad configuration) when `configuration.nodeName` has a control character.
    public static func requireValid(_ configuration: NodeConfiguration) throws(WardenError) {
        guard let offending = configuration.nodeName.unicodeScalars.first(where: isForbidden) else { return }
        var code = String(offending.value, radix: 16, uppercase: true)
        while code.count < 4 { code = "0" + code }
        let file = configuration.filePath.isEmpty ? "the configuration file" : configuration.filePath
        throw WardenError(
            "node_name \"\(visible(configuration.nodeName))\" contains a control character (U+\(code))",
            hint: "node names may hold printable characters only; change node_name in \(file)",
            exitStatus: .badConfig)
    }

    /// True for a scalar a node name may not contain.
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }

    /// `name` with each forbidden scalar written as an escape (`\t`, `\n`, `\u{1B}`), safe to print.
    static func visible(_ name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\t": text += "\\t"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case _ where isForbidden(scalar): text += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}
