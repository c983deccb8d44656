import Foundation
import WardenTerminal

/// The top line: cluster verdict, primary, voting term, age of the data (with a stale
/// warning), refresh interval, paused badge and the RO/RW badge.
public enum StatusBar {
    public static func draw(into screen: inout Screen, row: Int, context: RenderContext) {
        let state = context.state
        let bar = context.style(.statusBar)
        screen.fill(Rect(x: 0, y: row, width: screen.width, height: 1), style: bar)
        var x = 0
        func segment(_ text: String, _ style: Style) {
            x += screen.put(text, x: x, y: row, style: style)
        }
        let verdict = state.verdict
        segment(" pgwarden ", bar.adding(.bold))
        segment(" \(verdict.label) ", context.style(verdict.role).badge(ink: bar.background))
        if let snapshot = state.snapshot {
            let primary = snapshot.primaryRow?.node.nodeName ?? "none"
            segment(" primary ", bar)
            segment(primary, bar.adding(.bold))
            if let term = snapshot.votingTerm {
                segment(" \(context.glyphs.separator) term \(term)", bar)
            }
        }
        // Right side first (badges), so the age text knows how much room it has.
        var right: [(String, Style)] = []
        right.append((" every \(ValueFormat.interval(state.refreshInterval)) ", bar))
        if state.paused { right.append((" PAUSED ", context.style(.paused))) }
        if state.mode.isReadOnly {
            right.append((state.mode.isWall ? " WALL RO " : " RO ", context.style(.badgeReadOnly)))
        } else {
            right.append((" RW ", context.style(.badgeReadWrite)))
        }
        let rightWidth = right.reduce(0) { $0 + CharacterWidth.of($1.0) }
        let ageRoom = screen.width - x - rightWidth - 1
        if ageRoom > 6 {
            let (text, role) = ageText(state)
            let fitted = Screen.truncate(
                " \(context.glyphs.separator) " + text, to: ageRoom, ellipsis: context.glyphs.ellipsis)
            screen.put(
                fitted, x: x, y: row, style: role == .statusBar ? bar : bar.adding(.bold).merging(context.style(role)))
        }
        var rightX = max(x, screen.width - rightWidth)
        for (text, style) in right {
            rightX += screen.put(text, x: rightX, y: row, style: style)
        }
    }

    /// "updated 2 s ago", or the stale warning with the refresh error.
    static func ageText(_ state: DashboardState) -> (String, ThemeRole) {
        guard let age = state.dataAge else {
            if let failure = state.refreshFailure { return ("no data: \(failure)", .critical) }
            return ("connecting…", .statusBar)
        }
        let updated = "updated \(ValueFormat.age(age))"
        if let failure = state.refreshFailure {
            return ("STALE \(ValueFormat.age(age).replacingOccurrences(of: " ago", with: "")): \(failure)", .critical)
        }
        if state.isStale { return ("STALE: \(updated)", .warning) }
        return (updated + (state.refreshing ? " …" : ""), .statusBar)
    }
}
