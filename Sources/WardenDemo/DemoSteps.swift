import WardenEngine

/// Runs the setup's steps one after the other: checks for an interruption first, reports the
/// step's start, then its end with the elapsed time and result; a failing step's own error is
/// passed on unchanged.
struct DemoSteps: Sendable {
    let progress: @Sendable (DemoProgress) -> Void
    let interrupted: @Sendable () -> Bool

    func run(_ name: String, _ body: () async throws(WardenError) -> String?) async throws(WardenError) {
        guard !interrupted() else {
            throw WardenError("the demo was interrupted during its setup", exitStatus: .badConfig)
        }
        progress(.started(name))
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await body()
        progress(.finished(name, elapsed: clock.now - start, result: result))
    }
}
