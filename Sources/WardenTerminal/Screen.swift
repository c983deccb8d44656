/// An in-memory terminal screen: a grid of ``Cell``s. Everything the dashboard shows is
/// drawn here first by pure functions, then copied to the real terminal by a backend that
/// only sends what changed. Drawing clips at the screen's edges and at an optional width,
/// and keeps double-width glyphs whole.
public struct Screen: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: fill, count: self.width * self.height)
    }

    /// The whole screen as a rect.
    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get {
            guard contains(x: x, y: y) else { return .blank }
            return cells[y * width + x]
        }
        set {
            guard contains(x: x, y: y) else { return }
            cells[y * width + x] = newValue
        }
    }

    public func contains(x: Int, y: Int) -> Bool {
        x >= 0 && y >= 0 && x < width && y < height
    }

    /// Writes one character at (x, y), repairing any double-width glyph it overwrites half of.
    /// Returns the columns used (0 when it did not fit). Control characters are drawn as spaces.
    @discardableResult
    public mutating func set(_ character: Character, x: Int, y: Int, style: Style, limit: Int? = nil) -> Int {
        let maxX = min(width, limit ?? width)
        guard y >= 0, y < height, x >= 0, x < maxX else { return 0 }
        var glyph = character
        var glyphWidth = CharacterWidth.of(character)
        if glyphWidth == 0 {
            glyph = " "
            glyphWidth = 1
        }
        if glyphWidth == 2 && x + 1 >= maxX {
            glyph = " "
            glyphWidth = 1
        }
        clearWideNeighbours(x: x, y: y, width: glyphWidth)
        cells[y * width + x] = Cell(character: glyph, style: style)
        if glyphWidth == 2 {
            cells[y * width + x + 1] = Cell(character: " ", style: style, isContinuation: true)
        }
        return glyphWidth
    }

    private mutating func clearWideNeighbours(x: Int, y: Int, width glyphWidth: Int) {
        let row = y * width
        if cells[row + x].isContinuation, x > 0 {
            cells[row + x - 1] = Cell(character: " ", style: cells[row + x - 1].style)
        }
        let after = x + glyphWidth
        if after < width, cells[row + after].isContinuation {
            cells[row + after] = Cell(character: " ", style: cells[row + after].style)
        }
    }

    /// Writes `text` from (x, y) rightwards, stopping at `maxWidth` columns or the screen's edge.
    /// Returns the columns written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        let limit = maxWidth.map { x + max(0, $0) } ?? width
        var column = x
        for character in text {
            if column >= limit || column >= width { break }
            if column < 0 {
                column += max(1, CharacterWidth.of(character))
                continue
            }
            let used = set(character, x: column, y: y, style: style, limit: limit)
            if used == 0 { break }
            column += used
        }
        return max(0, column - max(x, 0))
    }

    /// Writes `text`, cutting it with `ellipsis` when it is wider than `width`, and pads the
    /// rest of the field with spaces in `style`.
    public mutating func putField(
        _ text: String, x: Int, y: Int, width fieldWidth: Int, style: Style, ellipsis: Character
    ) {
        guard fieldWidth > 0 else { return }
        let fitted = Self.truncate(text, to: fieldWidth, ellipsis: ellipsis)
        let used = put(fitted, x: x, y: y, style: style, maxWidth: fieldWidth)
        if used < fieldWidth {
            fill(Rect(x: x + used, y: y, width: fieldWidth - used, height: 1), style: style)
        }
    }

    /// Fills `rect` (clipped to the screen) with `character` in `style`.
    public mutating func fill(_ rect: Rect, with character: Character = " ", style: Style) {
        let x0 = max(0, rect.x)
        let y0 = max(0, rect.y)
        let x1 = min(width, rect.maxX)
        let y1 = min(height, rect.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 {
                set(character, x: x, y: y, style: style, limit: x1)
            }
        }
    }

    /// Draws a single-line frame around `rect` with an optional title in its top edge.
    public mutating func box(
        _ rect: Rect, glyphs: GlyphSet, style: Style, title: String? = nil, titleStyle: Style? = nil
    ) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let right = rect.maxX - 1
        let bottom = rect.maxY - 1
        for x in (rect.x + 1)..<right {
            set(glyphs.horizontal, x: x, y: rect.y, style: style)
            set(glyphs.horizontal, x: x, y: bottom, style: style)
        }
        for y in (rect.y + 1)..<bottom {
            set(glyphs.vertical, x: rect.x, y: y, style: style)
            set(glyphs.vertical, x: right, y: y, style: style)
        }
        set(glyphs.topLeft, x: rect.x, y: rect.y, style: style)
        set(glyphs.topRight, x: right, y: rect.y, style: style)
        set(glyphs.bottomLeft, x: rect.x, y: bottom, style: style)
        set(glyphs.bottomRight, x: right, y: bottom, style: style)
        if let title, rect.width > 4 {
            let text = Self.truncate(" \(title) ", to: rect.width - 4, ellipsis: glyphs.ellipsis)
            put(text, x: rect.x + 2, y: rect.y, style: titleStyle ?? style)
        }
    }

    /// Replaces every non-ASCII character with its entry in `replacements`, or `?`, for terminals
    /// without UTF-8. A replaced double-width glyph becomes one character and a space.
    public mutating func transliterateToASCII(_ replacements: [Character: Character]) {
        for index in cells.indices {
            let cell = cells[index]
            if cell.isContinuation {
                if index == 0 || !cells[index - 1].character.isASCII || cells[index - 1].isContinuation {
                    cells[index] = Cell(character: " ", style: cell.style)
                }
                continue
            }
            guard !cell.character.isASCII else { continue }
            cells[index].character = replacements[cell.character] ?? "?"
            if index + 1 < cells.count, cells[index + 1].isContinuation {
                cells[index + 1] = Cell(character: " ", style: cells[index + 1].style)
            }
        }
    }

    /// Row `y` as text (continuation cells contribute nothing, so wide glyphs read naturally).
    public func line(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        var text = ""
        for x in 0..<width {
            let cell = cells[y * width + x]
            if !cell.isContinuation { text.append(cell.character) }
        }
        return text
    }

    /// Every row as text, trailing spaces removed: handy for assertions and debugging.
    public var lines: [String] {
        (0..<height).map { y in
            var text = line(y)
            while text.last == " " { text.removeLast() }
            return text
        }
    }

    /// The whole screen as text, one row per line, trailing spaces removed.
    public var text: String { lines.joined(separator: "\n") }

    /// The first position of `needle` as (x, y) in columns, or nil.
    public func find(_ needle: String) -> (x: Int, y: Int)? {
        for y in 0..<height {
            let row = line(y)
            if let range = row.range(of: needle) {
                return (CharacterWidth.of(String(row[row.startIndex..<range.lowerBound])), y)
            }
        }
        return nil
    }

    /// `text` cut to at most `maxWidth` columns; the last column becomes `ellipsis` when cut.
    public static func truncate(_ text: String, to maxWidth: Int, ellipsis: Character) -> String {
        guard maxWidth > 0 else { return "" }
        if CharacterWidth.of(text) <= maxWidth { return text }
        var result = ""
        var used = 0
        for character in text {
            let characterWidth = CharacterWidth.of(character)
            if used + characterWidth > maxWidth - 1 { break }
            result.append(character)
            used += characterWidth
        }
        result.append(ellipsis)
        return result
    }

    /// `text` padded with spaces (or cut) to exactly `columns` columns; `alignRight` pads on the left.
    public static func pad(_ text: String, to columns: Int, alignRight: Bool = false, ellipsis: Character) -> String {
        let fitted = truncate(text, to: columns, ellipsis: ellipsis)
        let missing = max(0, columns - CharacterWidth.of(fitted))
        let padding = String(repeating: " ", count: missing)
        return alignRight ? padding + fitted : fitted + padding
    }
}
