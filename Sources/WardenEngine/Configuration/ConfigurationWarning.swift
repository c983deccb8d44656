/// Something in a configuration file that pgwarden ignores but the operator should know about:
/// an unknown key, a parameter repmgr has renamed or removed, a key set twice.
///
/// Warnings never stop a command; errors are reported as a ``WardenError`` instead.
public struct ConfigurationWarning: Sendable, Equatable, CustomStringConvertible {
    /// The absolute path of the configuration file.
    public let file: String
    /// The 1-based line the warning is about.
    public let line: Int
    /// The parameter name on that line.
    public let key: String
    /// What is wrong, without the location, e.g. `unknown configuration key "foo"`.
    public let message: String

    /// Describes one warning.
    public init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// The warning as printed, e.g.
    /// `WARNING: unknown configuration key "foo" in "/etc/repmgr.conf" line 7`.
    public var description: String {
        "WARNING: \(message) in \"\(file)\" line \(line)"
    }
}
