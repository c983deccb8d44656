/// The preflight check `standby promote` and `standby switchover` share: the node to be promoted
/// must not be fenced read-only, because promoted it would be a primary that refuses every write.
enum FencedCandidateCheck {
    static func check(_ facts: NodeFacts, label: String, exitStatus: ExitStatus) -> PreflightCheck {
        guard facts.readOnlyByDefault else { return .pass("fence", "\(label) is not fenced") }
        return .fail(
            "fence",
            WardenError(
                "\(label) is fenced (default_transaction_read_only=on): promoted, it would refuse every write",
                hint: "lift the fence first with \"pgwarden node unfence\"", exitStatus: exitStatus))
    }
}
