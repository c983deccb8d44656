import ArgumentParser

/// `pgwarden node ...` (being written).
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "node", abstract: "Node status and checks.")
}
