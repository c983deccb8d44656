import WardenTerminal

/// The wall display's verdict band: three rows in the verdict's colour with the verdict in
/// spaced capitals, readable from across a room, and the primary and term beneath it.
public enum WallBanner {
    public static let height = 3

    public static func draw(into screen: inout Screen, rect: Rect, context: RenderContext) {
        let state = context.state
        let verdict = state.verdict
        let band = context.style(verdict.role).badge(ink: context.style(.dialog).background)
        screen.fill(rect, style: band)
        let spaced = verdict.label.map(String.init).joined(separator: " ")
        let fitted = CharacterWidth.of(spaced) <= rect.width ? spaced : verdict.label
        let x = rect.x + max(0, (rect.width - CharacterWidth.of(fitted)) / 2)
        screen.put(fitted, x: x, y: rect.y + min(1, rect.height - 1), style: band)
        guard rect.height >= 3, let snapshot = state.snapshot else { return }
        var facts = "primary \(snapshot.primaryRow?.node.nodeName ?? "none")"
        if let term = snapshot.votingTerm { facts += " · term \(term)" }
        facts += " · \(snapshot.report.rows.count) nodes"
        if !snapshot.report.issues.isEmpty { facts += " · \(snapshot.report.issues.count) problem(s)" }
        let factsX = rect.x + max(0, (rect.width - CharacterWidth.of(facts)) / 2)
        screen.put(facts, x: factsX, y: rect.y + 2, style: band.adding(.bold), maxWidth: rect.width)
    }
}
