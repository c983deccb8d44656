/// A one-row chart of a series: each value becomes one glyph from the glyph set's levels,
/// scaled against a maximum. The newest values are kept when the series is wider than the area.
public struct Sparkline: Sendable {
    public var values: [Double]
    /// The value drawn as the top level; by default the series' own maximum.
    public var maximum: Double?

    public init(values: [Double], maximum: Double? = nil) {
        self.values = values
        self.maximum = maximum
    }

    /// The glyphs for the last `width` values, right-aligned (blank on the left when there are fewer).
    public func glyphs(width: Int, levels: [Character]) -> [Character?] {
        guard width > 0, !levels.isEmpty else { return [] }
        let shown = values.suffix(width)
        let top = maximum ?? shown.max() ?? 0
        var result: [Character?] = Array(repeating: nil, count: width - shown.count)
        for value in shown {
            result.append(levels[Self.level(of: value, top: top, count: levels.count)])
        }
        return result
    }

    /// The level index (0..<count) of `value` on a scale whose top is `top`; zero and below are level 0,
    /// any positive value is at least level 1 so that small lag stays visible.
    public static func level(of value: Double, top: Double, count: Int) -> Int {
        guard count > 1, top > 0, value > 0, value.isFinite else { return 0 }
        let scaled = Int((value / top * Double(count - 1)).rounded(.up))
        return min(count - 1, max(1, scaled))
    }

    /// Draws the sparkline into `screen` at (x, y); `style(index)` gives each value's style, by its index in `values`.
    public func draw(
        into screen: inout Screen, x: Int, y: Int, width: Int, levels: [Character], style: (Int) -> Style
    ) {
        let drawn = glyphs(width: width, levels: levels)
        let firstIndex = values.count - min(values.count, width)
        let blanks = width - min(values.count, width)
        for (offset, glyph) in drawn.enumerated() {
            guard let glyph else { continue }
            screen.set(glyph, x: x + offset, y: y, style: style(firstIndex + offset - blanks))
        }
    }
}
