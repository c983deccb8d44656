import ArgumentParser
import WardenEngine

/// Names the word of a command line that is no pgwarden command. swift-argument-parser reports the
/// first thing it trips over, which for `pgwarden -f x frobnicate` is the global option (`Unknown
/// option '-f'`) rather than the verb; when parsing fails, main asks this first.
enum CommandWords {
    /// The error for the first object or action word that names no command (exit code 1), or nil
    /// when every command word is known. `arguments` are in ``ArgumentOrder``'s order.
    static func unknownCommand(in arguments: [String]) -> WardenError? {
        var command: any ParsableCommand.Type = PgWarden.self
        var path: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word == "--" { return nil }
            if word.hasPrefix("-") {
                if GlobalOptions.optionsTakingValues.contains(word) { index += 1 }
                continue
            }
            let subcommands = command.configuration.subcommands
            if subcommands.isEmpty || word == "help" { return nil }
            guard let next = subcommands.first(where: { names(of: $0).contains(word) }) else {
                let known = subcommands.map { $0._commandName }.joined(separator: ", ")
                let parent = (["pgwarden"] + path).joined(separator: " ")
                return WardenError(
                    path.isEmpty ? "unknown command \"\(word)\"" : "unknown \(parent) command \"\(word)\"",
                    hint: "\"\(parent)\" has: \(known) (see \"\(parent) --help\")", exitStatus: .badConfig)
            }
            command = next
            path.append(next._commandName)
        }
        return nil
    }

    private static func names(of command: any ParsableCommand.Type) -> [String] {
        [command._commandName] + command.configuration.aliases
    }
}
