import ArgumentParser
import Foundation
import WardenEngine

let arguments = ArgumentOrder.normalized(Array(CommandLine.arguments.dropFirst()))
do {
    var command = try PgWarden.parseAsRoot(arguments)
    if var asyncCommand = command as? any AsyncParsableCommand {
        try await runAsynchronously(&asyncCommand)
    } else {
        try command.run()
    }
    exit(0)
} catch let error as WardenError {
    Console.show(error)
    exit(error.exitStatus.rawValue)
} catch let commandExit as CommandExit {
    exit(commandExit.status.rawValue)
} catch {
    let code = PgWarden.exitCode(for: error)
    let message = PgWarden.fullMessage(for: error)
    if code == .success {
        Console.out(message)
        exit(0)
    }
    // A verb that names no command is the mistake to report, whatever else the parser tripped over.
    if let unknown = CommandWords.unknownCommand(in: arguments) {
        Console.show(unknown)
        exit(unknown.exitStatus.rawValue)
    }
    // repmgr ends every command-line error with exit code 1 (ERR_BAD_CONFIG).
    Console.err(message)
    exit(ExitStatus.badConfig.rawValue)
}

/// Calls the async `run()` through a generic parameter: on an existential, Swift would
/// pick `ParsableCommand`'s synchronous `run()`, which only prints help.
func runAsynchronously<Command: AsyncParsableCommand>(_ command: inout Command) async throws {
    try await command.run()
}
