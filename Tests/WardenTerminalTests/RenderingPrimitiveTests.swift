import Testing
import WardenTerminal

/// Colours, styles, sparklines, key decoding and the screen diff.
@Suite("Terminal primitives")
struct RenderingPrimitiveTests {
    @Test("colours parse from hex, ANSI names, indices and default")
    func parsing() {
        #expect(TerminalColor(parsing: "#ff8000") == .rgb(255, 128, 0))
        #expect(TerminalColor(parsing: "#0f0") == .rgb(0, 255, 0))
        #expect(TerminalColor(parsing: "brightRed") == .indexed(9))
        #expect(TerminalColor(parsing: "bright_blue") == .indexed(12))
        #expect(TerminalColor(parsing: "214") == .indexed(214))
        #expect(TerminalColor(parsing: "default") == .terminalDefault)
        #expect(TerminalColor(parsing: "redd") == nil)
        #expect(TerminalColor(parsing: "#12345") == nil)
        #expect(TerminalColor(parsing: "300") == nil)
    }

    @Test("truecolor downgrades to the 256 cube, the 16 ANSI colours, and nothing")
    func downgrade() {
        let orange = TerminalColor.rgb(255, 135, 0)
        #expect(orange.downgraded(to: .truecolor) == orange)
        #expect(orange.downgraded(to: .palette256) == .indexed(208))
        #expect(TerminalColor.rgb(255, 0, 0).downgraded(to: .ansi16) == .indexed(9))
        #expect(TerminalColor.rgb(128, 128, 128).downgraded(to: .palette256) == .indexed(244))
        #expect(TerminalColor.indexed(196).downgraded(to: .ansi16) == .indexed(9))
        #expect(TerminalColor.indexed(3).downgraded(to: .ansi16) == .indexed(3))
        #expect(orange.downgraded(to: .monochrome) == nil)
        #expect(TerminalColor.terminalDefault.downgraded(to: .ansi16) == .terminalDefault)
    }

    @Test("colour depth follows terminfo, NO_COLOR and PGWARDEN_COLORS")
    func depth() {
        #expect(ColorDepth.detect(colors: 256, environment: [:]) == .palette256)
        #expect(ColorDepth.detect(colors: 8, environment: [:]) == .ansi16)
        #expect(ColorDepth.detect(colors: 1 << 24, environment: [:]) == .truecolor)
        #expect(ColorDepth.detect(colors: 256, environment: ["NO_COLOR": "1"]) == .monochrome)
        #expect(ColorDepth.detect(colors: 256, environment: ["NO_COLOR": ""]) == .palette256)
        #expect(ColorDepth.detect(colors: 256, environment: ["PGWARDEN_COLORS": "16"]) == .ansi16)
        #expect(ColorDepth.detect(colors: 8, environment: ["PGWARDEN_COLORS": "truecolor"]) == .ansi16)
        #expect(ColorDepth.detect(colors: 0, environment: [:]) == .monochrome)
    }

    @Test("glyphs follow the locale; ASCII can be forced")
    func glyphDetection() {
        #expect(GlyphSet.detect(environment: ["LANG": "en_US.UTF-8"]) == .unicode)
        #expect(GlyphSet.detect(environment: ["LC_ALL": "C", "LANG": "C.UTF-8"]) == .ascii)
        #expect(GlyphSet.detect(environment: [:]) == .ascii)
        #expect(GlyphSet.detect(environment: ["LANG": "C.utf8", "PGWARDEN_ASCII": "1"]) == .ascii)
    }

    @Test("sparkline scales to its maximum, keeps the newest values, right-aligns")
    func sparkline() {
        let levels = GlyphSet.unicode.levels
        let line = Sparkline(values: [0, 1, 2, 4, 8]).glyphs(width: 5, levels: levels)
        #expect(line.compactMap { $0 }.map(String.init).joined() == "▁▂▃▅█")
        let narrow = Sparkline(values: [8, 0, 0]).glyphs(width: 2, levels: levels)
        #expect(narrow.compactMap { $0 } == ["▁", "▁"])
        let wide = Sparkline(values: [1]).glyphs(width: 3, levels: levels)
        #expect(wide == [nil, nil, "█"])
        #expect(Sparkline.level(of: 0.0001, top: 100, count: 8) == 1)
        #expect(Sparkline.level(of: .nan, top: 100, count: 8) == 0)
        var screen = Screen(width: 4, height: 1)
        Sparkline(values: [1, 2], maximum: 2).draw(into: &screen, x: 0, y: 0, width: 4, levels: levels) { index in
            index == 1 ? Style(attributes: .bold) : .plain
        }
        #expect(screen.line(0) == "  ▅█")
        #expect(screen[3, 0].style.attributes == .bold)
        #expect(screen[2, 0].style.attributes == [])
    }

    @Test("keys decode from characters and ncurses key codes")
    func keys() {
        #expect(KeyDecoder.decode(0x71, isKeyCode: false) == .character("q"))
        #expect(KeyDecoder.decode(0x0D, isKeyCode: false) == .enter)
        #expect(KeyDecoder.decode(0x09, isKeyCode: false) == .tab)
        #expect(KeyDecoder.decode(0x1B, isKeyCode: false) == .escape)
        #expect(KeyDecoder.decode(0x7F, isKeyCode: false) == .backspace)
        #expect(KeyDecoder.decode(0x03, isKeyCode: false) == .control("c"))
        #expect(KeyDecoder.decode(0x6F22, isKeyCode: false) == .character("漢"))
        #expect(KeyDecoder.decode(0o403, isKeyCode: true) == .up)
        #expect(KeyDecoder.decode(0o541, isKeyCode: true) == .backTab)
        #expect(KeyDecoder.decode(0o632, isKeyCode: true) == .resize)
        #expect(KeyDecoder.decode(0o411, isKeyCode: true) == .function(1))
        #expect(KeyDecoder.decode(0o777, isKeyCode: true) == nil)
        #expect(Key.character(" ").label == "Space")
        #expect(Key.control("c").label == "Ctrl-C")
    }

    @Test("diff of identical screens is empty; a change yields one run per style")
    func diff() {
        var before = Screen(width: 6, height: 2)
        before.put("abcdef", x: 0, y: 0, style: .plain)
        #expect(ScreenDiff.runs(from: before, to: before).isEmpty)
        var after = before
        after.put("XY", x: 2, y: 0, style: .plain)
        after.put("Z", x: 4, y: 0, style: Style(attributes: .bold))
        #expect(
            ScreenDiff.runs(from: before, to: after) == [
                ScreenRun(x: 2, y: 0, text: "XY", style: .plain),
                ScreenRun(x: 4, y: 0, text: "Z", style: Style(attributes: .bold)),
            ])
        let full = ScreenDiff.runs(from: nil, to: after)
        #expect(full.count == 4)
        #expect(full.map(\.text).joined() == "abXYZf" + "      ")
        let resized = ScreenDiff.runs(from: Screen(width: 3, height: 1), to: after)
        #expect(resized.map(\.text).joined() == "abXYZf      ")
    }

    @Test("a changed wide glyph is written whole")
    func diffWide() {
        var before = Screen(width: 4, height: 1)
        before.put("a漢", x: 0, y: 0, style: .plain)
        var after = before
        after.put("字", x: 1, y: 0, style: .plain)
        #expect(ScreenDiff.runs(from: before, to: after) == [ScreenRun(x: 1, y: 0, text: "字", style: .plain)])
    }

    @Test("colour pairs are handed out once each, up to capacity")
    func pairs() {
        var table = ColorPairTable(capacity: 2)
        let red = ColorPairTable.Pair(foreground: 1, background: -1)
        let green = ColorPairTable.Pair(foreground: 2, background: -1)
        #expect(table.number(for: .init(foreground: -1, background: -1))! == (0, false))
        #expect(table.number(for: red)! == (1, true))
        #expect(table.number(for: red)! == (1, false))
        #expect(table.number(for: green)! == (2, true))
        #expect(table.number(for: .init(foreground: 3, background: 0)) == nil)
        table.removeAll()
        #expect(table.count == 0)
    }
}
