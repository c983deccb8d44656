/// An error raised by the integration-test harness.
///
/// The message is written for a human reading a failed test: it names the command or file involved and,
/// where it helps, includes the tail of a log or the output of the failing command.
struct HarnessError: Error, Sendable, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
