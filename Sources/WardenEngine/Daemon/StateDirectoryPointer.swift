import Foundation

/// The file `pgwarden_state_dir` in a node's data directory that tells other daemons where that
/// node's ``StateDirectory`` is: the node ID on the first line, the directory on the second. A
/// peer reads it through the node's own server (`pg_read_file` of a path relative to the data
/// directory, superuser only), so it follows `pgwarden_state_dir` wherever it points.
///
/// The data directory is the server user's alone (PostgreSQL insists on mode 0700), so no other
/// user can plant one. A base backup or pg_rewind copies another node's pointer along: the node
/// ID tells a reader so, and the daemon rewrites it every monitoring interval.
public struct StateDirectoryPointer: Sendable, Equatable {
    public static let fileName = "pgwarden_state_dir"

    public var nodeID: Int
    public var directory: String

    public init(nodeID: Int, directory: String) {
        self.nodeID = nodeID
        self.directory = directory
    }

    /// Parses the file's text; nil when it is not a pointer.
    public init?(text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, let nodeID = Int(lines[0]), lines[1].hasPrefix("/") else { return nil }
        self.init(nodeID: nodeID, directory: String(lines[1]))
    }

    public var text: String { "\(nodeID)\n\(directory)\n" }

    /// Writes the pointer into `dataDirectory` unless it already says the same.
    public func store(in dataDirectory: String) throws(WardenError) {
        let path = dataDirectory + "/" + Self.fileName
        if let current = try? SafeFile.contents(path, limit: 4096), current == Data(text.utf8) { return }
        try SafeFile.replace(path, with: Data(text.utf8))
    }
}
