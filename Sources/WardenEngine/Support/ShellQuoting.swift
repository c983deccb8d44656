/// Quotes values for a POSIX shell: the result is one word whatever the value contains
/// (quotes, `;`, `$()`, newlines), so a substituted value can never become a command.
public enum ShellQuoting {
    public static func quote(_ value: String) -> String {
        if !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:@%+,".contains($0) }),
            value.unicodeScalars.allSatisfy(\.isASCII)
        {
            return value
        }
        return "'" + value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
