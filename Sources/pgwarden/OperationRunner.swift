import WardenEngine

/// The part every operation command shares: with `--dry-run`, print the plan and stop
/// (failing with the first failed check's exit code).
enum OperationRunner {
    static func finishDryRun(_ plan: OperationPlan, dryRun: Bool, console: Console) throws(WardenError) {
        guard dryRun else { return }
        plan.messages.forEach(console.show)
        try plan.requireSuccess()
    }

    /// Before running for real: the plan's warnings (for example "this node is the primary").
    static func showWarnings(_ plan: OperationPlan, console: Console) {
        plan.checks.filter { $0.verdict == .warning }.forEach {
            console.show(OperationMessage(.warning, "\($0.name): \($0.reason)"))
        }
    }
}
