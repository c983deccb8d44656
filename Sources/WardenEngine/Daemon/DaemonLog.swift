import Foundation

/// Where a daemon and the commands it runs write: `log_file`, or a file next to the configuration.
public enum DaemonLog {
    public static func path(for configuration: NodeConfiguration) -> String {
        if !configuration.logFile.isEmpty { return configuration.logFile }
        let directory = (configuration.filePath as NSString).deletingLastPathComponent
        return "\(directory)/pgwarden-daemon-\(configuration.nodeName).log"
    }
}
