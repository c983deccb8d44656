import Testing

@testable import WardenEngine

/// Issue 18, finding 9: the engine's one helper for text bound for a terminal.
@Suite("Terminal text")
struct TerminalTextTests {
    @Test(
        "every control, C1 control, bidi override and separator becomes one space",
        arguments: [
            ("dc1\u{1B}[2J\u{1B}]0;pwned\u{07}", "dc1 [2J ]0;pwned "),
            ("a\tb\rc\nd\r\ne", "a b c d e"),
            ("csi\u{9B}31m del\u{7F}", "csi 31m del "),
            ("evil\u{202E}txt.exe", "evil txt.exe"),
            ("line\u{2028}sep\u{2029}", "line sep "),
            ("plain ASCII stays", "plain ASCII stays"),
            ("été 节点 👨‍👩‍👧", "été 节点 👨‍👩‍👧"),
        ])
    func singleLine(input: String, expected: String) {
        #expect(TerminalText.singleLine(input) == expected)
        #expect(
            !TerminalText.singleLine(input).contains { $0.unicodeScalars.first.map(TerminalText.isUnprintable) ?? true }
        )
    }

    @Test("lines keeps line breaks and tabs and replaces the rest")
    func lines() {
        #expect(
            TerminalText.lines("one\u{1B}[31m\ntwo\r\nthree\rfour\tfive\u{9B}") == "one [31m\ntwo\nthree four\tfive ")
    }

    @Test("a table keeps one line per row and its columns aligned whatever the cells hold")
    func table() {
        let table = TextTable(headers: ["ID", "Location"], rows: [["1", "dc1\u{1B}[2J\nrow"], ["2", "dc2"]])
        #expect(table.lines() == [" ID | Location   ", "----+-------------", " 1  | dc1 [2J row", " 2  | dc2        "])
    }
}
