import WardenEngine

/// Entry point: parses arguments and runs the command (filled in by the CLI files).
enum PgWardenMain {
    static func run() {}
}
