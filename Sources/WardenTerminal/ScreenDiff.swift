/// What must be written to turn the terminal from one ``Screen`` into another: runs of
/// changed cells, grouped by style. With no previous screen (first frame, resize), every
/// cell is written. A double-width glyph is written whole when either of its cells changed.
public enum ScreenDiff {
    public static func runs(from previous: Screen?, to next: Screen) -> [ScreenRun] {
        let old = previous.flatMap { $0.width == next.width && $0.height == next.height ? $0.cells : nil }
        let cells = next.cells
        let width = next.width
        var runs: [ScreenRun] = []
        for y in 0..<next.height {
            let row = y * width
            func changed(_ x: Int) -> Bool {
                guard let old else { return true }
                if old[row + x] != cells[row + x] { return true }
                return x + 1 < width && cells[row + x + 1].isContinuation && old[row + x + 1] != cells[row + x + 1]
            }
            var x = 0
            while x < width {
                let cell = cells[row + x]
                guard !cell.isContinuation, changed(x) else {
                    x += 1
                    continue
                }
                let start = x
                var text = ""
                while x < width {
                    let current = cells[row + x]
                    if current.isContinuation {
                        x += 1
                        continue
                    }
                    guard current.style == cell.style, changed(x) else { break }
                    text.append(current.character)
                    x += 1
                }
                runs.append(ScreenRun(x: start, y: y, text: text, style: cell.style))
            }
        }
        return runs
    }
}
