/// Quotes a value for postgresql.conf / postgresql.auto.conf: single quotes, with embedded
/// quotes doubled and backslashes escaped.
enum PostgresSettingQuoting {
    static func quote(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "'": escaped += "''"
            case "\\": escaped += "\\\\"
            default: escaped.append(character)
            }
        }
        return "'\(escaped)'"
    }
}
