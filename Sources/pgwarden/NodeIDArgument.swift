import ArgumentParser

/// A node ID given on the command line (`--node-id`, `--upstream-node-id`): a whole number from 1 to
/// 2147483647, the range of `repmgr.nodes.node_id`. Options using it read their value with
/// `.unconditional` parsing, so that `--node-id -1` is reported as a bad value rather than as a
/// missing one, and a value out of range never reaches a query.
enum NodeIDArgument {
    static let range = 1...Int(Int32.max)

    /// `text` as a node ID; the error gives the range (the parser names the option and the value).
    static func parse(_ text: String) throws -> Int {
        guard let value = Int(text), range.contains(value) else {
            // The parser puts it after "The value '<text>' is invalid for '--node-id <node-id>': ".
            throw ValidationError("a node ID is a whole number from 1 to \(range.upperBound)")
        }
        return value
    }
}
