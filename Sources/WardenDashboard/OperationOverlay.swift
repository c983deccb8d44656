import Foundation
import WardenEngine
import WardenTerminal

/// An operation's dialog at each phase: the switchover wizard's candidate list, the engine's
/// preflight checklist, the summary of what will happen, the type-to-confirm step (focus on
/// Cancel), the live steps with timings, and the outcome with the post-check.
public enum OperationOverlay {
    public static func draw(into screen: inout Screen, area: Rect, context: RenderContext, flow: OperationFlow) {
        let (title, lines) = content(flow, context: context)
        let needsButtons: Bool
        if case .confirming(let plan) = flow.phase, plan.canProceed {
            needsButtons = true
        } else {
            needsButtons = false
        }
        let width = min(area.width - 2, 90)
        let height = min(area.height, lines.count + 2 + (needsButtons ? 4 : 0))
        let inner = context.dialog(title: title, width: width, height: height, in: area, on: &screen)
        let (body, controls) = inner.splitBottom(needsButtons ? 4 : 0)
        context.write(tail(lines, fitting: body.height, flow: flow), in: body, on: &screen)
        if needsButtons { drawConfirmation(flow, in: controls, on: &screen, context: context) }
    }

    /// Long step lists keep their newest lines in view.
    private static func tail(_ lines: [(String, ThemeRole)], fitting height: Int, flow: OperationFlow) -> [(
        String, ThemeRole
    )] {
        guard lines.count > height else { return lines }
        switch flow.phase {
        case .running, .finished: return Array(lines.suffix(height))
        default: return lines
        }
    }

    static func content(_ flow: OperationFlow, context: RenderContext) -> (String, [(String, ThemeRole)]) {
        let glyphs = context.glyphs
        let wizard = flow.kind == .switchover
        let target = flow.node?.nodeName ?? (flow.kind.isClusterWide ? "the cluster" : "?")
        func step(_ number: Int, _ text: String) -> String {
            wizard ? "Switchover \(number)/5 · \(text)" : "\(flow.heading) · \(text)"
        }
        switch flow.phase {
        case .choosingCandidate:
            var lines: [(String, ThemeRole)] = [
                ("Choose the standby that becomes the new primary:", .text), ("", .text),
            ]
            for (index, candidate) in flow.candidates.enumerated() {
                let pointer = index == flow.candidateIndex ? "> " : "  "
                let lag =
                    candidate.row.lag.map { "lag \(ValueFormat.bytes($0.bytes)), \(ValueFormat.seconds($0.seconds))" }
                    ?? ""
                if let reason = candidate.ineligibility {
                    lines.append(
                        (
                            "\(pointer)\(candidate.row.node.nodeName)  not eligible: \(reason)",
                            index == flow.candidateIndex ? .selection : .muted
                        ))
                } else {
                    lines.append(
                        (
                            "\(pointer)\(candidate.row.node.nodeName)  eligible · priority \(candidate.row.node.priority) · \(lag)",
                            index == flow.candidateIndex ? .selection : .ok
                        ))
                }
            }
            return (step(1, "choose the candidate"), lines)
        case .preparing:
            return (step(2, "preflight"), [("Running the engine's preflight checks for \(target)…", .muted)])
        case .checklist(let plan):
            var lines = checks(plan, glyphs: glyphs)
            lines.append(("", .text))
            lines.append(
                plan.canProceed
                    ? ("All checks passed. Enter shows what will happen.", .ok)
                    : ("A check failed: the switchover cannot run from this state.", .critical))
            return (step(2, "preflight checks"), lines)
        case .summary(let plan):
            var lines: [(String, ThemeRole)] = [("\(target) becomes the primary. The engine will:", .text)]
            lines += actions(plan)
            return (step(3, "what will happen"), lines)
        case .confirming(let plan):
            var lines: [(String, ThemeRole)] = []
            if !wizard {
                lines += checks(plan, glyphs: glyphs)
                lines += actions(plan)
            } else {
                lines.append(("Switch over to \(target): the current primary becomes its standby.", .text))
            }
            if !plan.canProceed {
                lines.append(("A check failed: nothing will be done.", .critical))
            }
            return (wizard ? step(4, "confirm") : step(0, "confirm"), lines)
        case .running(let plan):
            var lines: [(String, ThemeRole)] = [("Running (\(plan.actions.count) planned actions)…", .muted)]
            lines += stepLines(flow)
            return (wizard ? step(5, "running") : step(0, "running"), lines)
        case .finished(let outcome):
            var lines = stepLines(flow)
            if !lines.isEmpty { lines.append(("", .text)) }
            let marker = outcome.succeeded ? glyphs.success : glyphs.failure
            let elapsed =
                outcome.elapsed.map {
                    " in \(String(format: "%.2f", Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18)) s"
                } ?? ""
            lines.append(("\(marker) \(outcome.message)\(elapsed)", outcome.succeeded ? .ok : .critical))
            if let detail = outcome.detail { lines += detail.split(separator: "\n").map { ("  \($0)", .text) } }
            if let hint = outcome.hint { lines.append(("  hint: \(hint)", .warning)) }
            if wizard && outcome.succeeded {
                if let check = outcome.postCheck {
                    lines.append(
                        (
                            check.passed
                                ? "\(glyphs.success) post-check passed" : "\(glyphs.failure) post-check found problems",
                            check.passed ? .ok : .critical
                        ))
                    lines += check.lines.map { ("  \($0)", .text) }
                } else {
                    lines.append(("post-check: waiting for the next refresh…", .muted))
                }
            }
            if flow.kind.recordsEvent {
                lines.append(("The operation and its outcome are recorded in repmgr.events.", .muted))
            }
            return (
                wizard
                    ? step(5, outcome.succeeded ? "done" : "failed") : step(0, outcome.succeeded ? "done" : "failed"),
                lines
            )
        }
    }

    private static func checks(_ plan: OperationPlan, glyphs: GlyphSet) -> [(String, ThemeRole)] {
        plan.checks.map { check in
            switch check.verdict {
            case .pass: ("\(glyphs.success) \(check.name): \(check.reason)", .ok)
            case .warning: ("! \(check.name): \(check.reason)", .warning)
            case .fail: ("\(glyphs.failure) \(check.name): \(check.reason)", .critical)
            }
        }
    }

    private static func actions(_ plan: OperationPlan) -> [(String, ThemeRole)] {
        plan.actions.enumerated().map { ("  \($0.offset + 1). \($0.element)", .text) }
    }

    private static func stepLines(_ flow: OperationFlow) -> [(String, ThemeRole)] {
        flow.steps.map { step in
            let seconds = Double(step.elapsed.components.seconds) + Double(step.elapsed.components.attoseconds) / 1e18
            let role: ThemeRole =
                switch step.message.level {
                case .error: .critical
                case .warning: .warning
                case .debug: .muted
                case .info, .notice: .text
                }
            return (String(format: "%6.2f s  ", seconds) + step.message.text, role)
        }
    }

    private static func drawConfirmation(
        _ flow: OperationFlow, in rect: Rect, on screen: inout Screen, context: RenderContext
    ) {
        guard rect.height >= 3, flow.node != nil || flow.kind.isClusterWide else { return }
        if flow.kind.requiresTypedName, let node = flow.node {
            let prompt = "Type \(node.nodeName) to confirm: "
            let x = rect.x + screen.put(prompt, x: rect.x, y: rect.y + 1, style: context.style(.dialog))
            let fieldWidth = max(8, min(rect.maxX - x, CharacterWidth.of(node.nodeName) + 4))
            screen.putField(
                flow.typedName + "_", x: x, y: rect.y + 1, width: fieldWidth, style: context.style(.input),
                ellipsis: context.glyphs.ellipsis)
        }
        let cancel = "[ Cancel ]"
        let confirm = "[ \(flow.heading) ]"
        let y = rect.y + 3
        let cancelStyle = context.style(flow.focus == .cancel ? .buttonFocused : .button)
        var confirmStyle = context.style(flow.focus == .confirm ? .buttonFocused : .button)
        if !flow.canConfirm { confirmStyle = confirmStyle.adding(.dim) }
        let x = rect.x + screen.put(cancel, x: rect.x, y: y, style: cancelStyle) + 3
        screen.put(confirm, x: x, y: y, style: confirmStyle, maxWidth: rect.maxX - x)
    }
}
