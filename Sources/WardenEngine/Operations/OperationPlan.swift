/// What an operation found before changing anything (its checks) and what it will do
/// (its actions). `--dry-run` prints a plan; a real run refuses a plan with a failed check.
public struct OperationPlan: Sendable, Equatable {
    public var operation: String
    public var checks: [PreflightCheck]
    public var actions: [String]

    public init(operation: String, checks: [PreflightCheck] = [], actions: [String] = []) {
        self.operation = operation
        self.checks = checks
        self.actions = actions
    }

    public var firstFailure: WardenError? { checks.first { $0.verdict == .fail }?.failure }
    public var canProceed: Bool { firstFailure == nil }

    /// Throws the first failed check's error.
    public func requireSuccess() throws(WardenError) {
        if let firstFailure { throw firstFailure }
    }

    /// The plan as log messages, the way `--dry-run` shows it.
    public var messages: [OperationMessage] {
        var lines: [OperationMessage] = checks.map { check in
            switch check.verdict {
            case .pass: OperationMessage(.info, "\(check.name): \(check.reason)")
            case .warning: OperationMessage(.warning, "\(check.name): \(check.reason)")
            case .fail: OperationMessage(.error, "\(check.name): \(check.reason)", hint: check.failure?.hint)
            }
        }
        lines += actions.map { OperationMessage(.info, "would \($0)") }
        if canProceed {
            lines.append(OperationMessage(.info, "all prerequisites for \"\(operation)\" are met"))
        }
        return lines
    }
}
