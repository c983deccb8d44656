import Testing
import WardenTerminal

/// The real ncurses backend, drawing into /dev/null through `newterm` and read back from
/// ncurses' own buffer. ncurses state is process-wide, so these tests run one at a time.
@Suite("ncurses backend (headless)", .serialized)
struct CursesTerminalTests {
    @Test("a presented screen reads back with its text, colours and bold")
    func roundTrip() throws {
        let terminal = try CursesTerminal.headless(width: 20, height: 4)
        defer { terminal.stop() }
        #expect(terminal.size == TerminalSize(columns: 20, rows: 4))
        var screen = Screen(width: 20, height: 4)
        screen.box(Rect(x: 0, y: 0, width: 20, height: 3), glyphs: .unicode, style: .plain, title: "Nodes")
        screen.put("nöde1 ▃▅█", x: 1, y: 1, style: Style(foreground: .indexed(141), attributes: .bold))
        terminal.present(screen)
        #expect(terminal.text(row: 0) == "┌─ Nodes ──────────┐")
        #expect(terminal.text(row: 1) == "│nöde1 ▃▅█         │")
        let colors = terminal.cellColors(x: 1, y: 1)
        #expect(colors.foreground == 141)
        #expect(colors.background == -1)
        #expect(colors.bold)
        #expect(!terminal.cellColors(x: 0, y: 1).bold)

        // A second frame changes one word only; the rest stays.
        var next = screen
        next.put("node2", x: 1, y: 1, style: .plain)
        terminal.present(next)
        #expect(terminal.text(row: 1) == "│node2 ▃▅█         │")
        #expect(terminal.text(row: 0) == "┌─ Nodes ──────────┐")
    }

    @Test("truecolour styles are downgraded to the terminal's 256 colours")
    func downgrade() throws {
        let terminal = try CursesTerminal.headless(width: 10, height: 2, colorDepth: .truecolor)
        defer { terminal.stop() }
        #expect(terminal.colorDepth == .palette256)
        var screen = Screen(width: 10, height: 2)
        screen.put("warn", x: 0, y: 0, style: Style(foreground: .rgb(255, 135, 0)))
        terminal.present(screen)
        #expect(terminal.cellColors(x: 0, y: 0).foreground == 208)
    }

    @Test("monochrome keeps attributes and uses no colour pairs")
    func monochrome() throws {
        let terminal = try CursesTerminal.headless(width: 10, height: 2, colorDepth: .monochrome)
        defer { terminal.stop() }
        var screen = Screen(width: 10, height: 2)
        screen.put("crit", x: 0, y: 0, style: Style(foreground: .indexed(196), attributes: .bold))
        terminal.present(screen)
        let colors = terminal.cellColors(x: 0, y: 0)
        #expect(colors.bold)
        #expect(colors.foreground == -1)
    }
}
