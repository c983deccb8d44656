/// A plain-text table laid out the way repmgr prints its reports:
///
///      ID | Name  | Role
///     ----+-------+---------
///      1  | node1 | primary
///
/// Every column is as wide as its widest cell; the header line never ends in a space, rows
/// end in one unless `lastColumnUnpadded` (repmgr leaves the connection string column open).
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]

    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// The lines of the table, without trailing newlines. Every cell is made one inert line
    /// (``TerminalText/singleLine(_:)``): cells hold values from the metadata.
    public func lines(trailingSpaceOnRows: Bool = false) -> [String] {
        let headers = headers.map(TerminalText.singleLine)
        let rows = rows.map { $0.map(TerminalText.singleLine) }
        let widths = headers.indices.map { column in
            rows.reduce(Self.width(of: headers[column])) { widest, row in
                column < row.count ? max(widest, Self.width(of: row[column])) : widest
            }
        }
        func line(_ cells: [String], trailing: Bool) -> String {
            let padded = headers.indices.map { column in
                let cell = column < cells.count ? cells[column] : ""
                return cell + String(repeating: " ", count: widths[column] - Self.width(of: cell))
            }
            var text = " " + padded.joined(separator: " | ")
            if trailing { text += " " }
            return text
        }
        var result = [line(headers, trailing: false)]
        result.append("-" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-") + "-")
        result += rows.map { line($0, trailing: trailingSpaceOnRows) }
        return result
    }

    /// Display width in terminal cells: one per character, two for wide East Asian characters and emoji.
    public static func width(of text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            total + (scalar.properties.isEmojiPresentation || Self.isWide(scalar) ? 2 : 1)
        }
    }

    private static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
