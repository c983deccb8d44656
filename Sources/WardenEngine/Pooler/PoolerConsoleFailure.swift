/// A console whose `pgbouncer_admin_conninfo` entry does not parse: reported with its
/// (password-masked) label instead of stopping the work on the other consoles.
struct PoolerConsoleFailure: Error, Sendable {
    let console: String
    let detail: String
}
