import Testing
import WardenTerminal

/// The in-memory screen: writing, clipping, wide glyphs, boxes and truncation.
@Suite("Screen")
struct ScreenTests {
    @Test("put writes text and clips at the right edge and at maxWidth")
    func putClips() {
        var screen = Screen(width: 10, height: 2)
        let written = screen.put("hello world", x: 2, y: 0, style: .plain)
        #expect(written == 8)
        #expect(screen.lines == ["  hello wo", ""])
        screen.put("abcdef", x: 0, y: 1, style: .plain, maxWidth: 3)
        #expect(screen.line(1) == "abc       ")
    }

    @Test("writes outside the screen are ignored; negative x skips the hidden part")
    func outside() {
        var screen = Screen(width: 4, height: 1)
        screen.put("xyz", x: 0, y: 5, style: .plain)
        screen.put("abcdef", x: -2, y: 0, style: .plain)
        #expect(screen.line(0) == "cdef")
    }

    @Test("wide glyphs take two cells and are never split at the edge")
    func wideGlyphs() {
        var screen = Screen(width: 5, height: 1)
        let used = screen.put("漢字x", x: 0, y: 0, style: .plain)
        #expect(used == 5)
        #expect(screen[1, 0].isContinuation)
        #expect(screen.line(0) == "漢字x")
        var edge = Screen(width: 3, height: 1)
        edge.put("a漢字", x: 0, y: 0, style: .plain)
        #expect(edge.line(0) == "a漢")
        edge.put("b", x: 2, y: 0, style: .plain)
        #expect(edge.line(0) == "a b")
        #expect(!edge[2, 0].isContinuation)
    }

    @Test("overwriting half of a wide glyph blanks the other half")
    func overwriteHalf() {
        var screen = Screen(width: 4, height: 1)
        screen.put("漢", x: 1, y: 0, style: .plain)
        screen.put("z", x: 1, y: 0, style: .plain)
        #expect(screen.line(0) == " z  ")
        #expect(!screen[2, 0].isContinuation)
    }

    @Test("control characters are drawn as spaces")
    func controls() {
        var screen = Screen(width: 5, height: 1)
        screen.put("a\tb\nc", x: 0, y: 0, style: .plain)
        #expect(screen.line(0) == "a b c")
    }

    @Test("box draws a frame with a title, in Unicode and ASCII")
    func box() {
        var screen = Screen(width: 12, height: 3)
        screen.box(screen.bounds, glyphs: .unicode, style: .plain, title: "Nodes")
        #expect(screen.lines == ["┌─ Nodes ──┐", "│          │", "└──────────┘"])
        var ascii = Screen(width: 6, height: 2)
        ascii.box(ascii.bounds, glyphs: .ascii, style: .plain)
        #expect(ascii.lines == ["+----+", "+----+"])
    }

    @Test("truncate and pad measure columns and use the ellipsis")
    func truncation() {
        #expect(Screen.truncate("replication", to: 6, ellipsis: "…") == "repli…")
        #expect(Screen.truncate("abc", to: 3, ellipsis: "…") == "abc")
        #expect(Screen.truncate("漢字漢字", to: 5, ellipsis: "~") == "漢字~")
        #expect(Screen.pad("7", to: 3, alignRight: true, ellipsis: "~") == "  7")
        #expect(Screen.pad("ab", to: 4, ellipsis: "~") == "ab  ")
    }

    @Test("putField pads the field in its style")
    func field() {
        var screen = Screen(width: 8, height: 1)
        let style = Style(attributes: .reverse)
        screen.putField("abcdefghij", x: 1, y: 0, width: 5, style: style, ellipsis: "~")
        #expect(screen.line(0) == " abcd~  ")
        screen.putField("x", x: 1, y: 0, width: 5, style: style, ellipsis: "~")
        #expect(screen[5, 0].style == style)
        #expect(screen[6, 0].style == .plain)
    }

    @Test("fill covers only the clipped rect")
    func fill() {
        var screen = Screen(width: 4, height: 2)
        screen.fill(Rect(x: 2, y: 1, width: 10, height: 10), with: "#", style: Style(attributes: .bold))
        #expect(screen.lines == ["", "  ##"])
        #expect(screen[2, 1].style.attributes == .bold)
        #expect(screen[1, 1].style.attributes == [])
    }

    @Test("ASCII transliteration replaces glyphs and splits wide characters")
    func transliteration() {
        var screen = Screen(width: 8, height: 1)
        screen.put("·漢✓é", x: 0, y: 0, style: .plain)
        screen.transliterateToASCII(GlyphSet.asciiReplacements)
        #expect(screen.line(0) == "-? +?   ")
        #expect(screen.cells.allSatisfy { !$0.isContinuation })
    }

    @Test("find reports the column of a substring")
    func find() {
        var screen = Screen(width: 10, height: 2)
        screen.put("漢 node2", x: 0, y: 1, style: .plain)
        #expect(screen.find("node2")?.x == 3)
        #expect(screen.find("node2")?.y == 1)
        #expect(screen.find("absent") == nil)
    }

    @Test("character widths: ASCII 1, CJK and emoji 2, combining marks 0")
    func widths() {
        #expect(CharacterWidth.of("a" as Character) == 1)
        #expect(CharacterWidth.of("字" as Character) == 2)
        #expect(CharacterWidth.of("🚀" as Character) == 2)
        #expect(CharacterWidth.of(scalar: "\u{0301}") == 0)
        #expect(CharacterWidth.of("é" as Character) == 1)
        #expect(CharacterWidth.of("│" as Character) == 1)
        #expect(CharacterWidth.of("nöde☃") == 5)
    }

    @Test("rect splitting and centring")
    func rects() {
        let rect = Rect(x: 0, y: 0, width: 80, height: 24)
        let (top, rest) = rect.splitTop(1)
        #expect(top.height == 1 && rest.y == 1 && rest.height == 23)
        let (left, right) = rest.splitLeft(30)
        #expect(left.width == 30 && right.x == 30 && right.width == 50)
        #expect(rect.centered(width: 40, height: 10) == Rect(x: 20, y: 7, width: 40, height: 10))
        #expect(rect.splitBottom(100).bottom.height == 24)
        #expect(Rect(x: 0, y: 0, width: 3, height: 3).inset(by: 2).isEmpty)
    }
}
