import Foundation

/// A foreground or background colour: the terminal's own default, an index into the
/// terminal palette (0–15 ANSI, 16–255 xterm cube and greys), or 24-bit RGB.
public enum TerminalColor: Sendable, Hashable {
    case terminalDefault
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    /// The eight ANSI names, their `bright` variants, and `default`.
    public static let ansiNames: [String: UInt8] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "brightblack": 8, "gray": 8, "grey": 8, "brightred": 9, "brightgreen": 10, "brightyellow": 11,
        "brightblue": 12, "brightmagenta": 13, "brightcyan": 14, "brightwhite": 15,
    ]

    /// Parses `default`, `#rrggbb`, `#rgb`, an ANSI name (`red`, `brightblue`) or a palette index `0`–`255`.
    public init?(parsing text: String) {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        if value == "default" || value == "none" {
            self = .terminalDefault
        } else if value.hasPrefix("#") {
            let digits = Array(value.dropFirst())
            let expanded: [Character]
            switch digits.count {
            case 6: expanded = digits
            case 3: expanded = digits.flatMap { [$0, $0] }
            default: return nil
            }
            guard let number = UInt32(String(expanded), radix: 16) else { return nil }
            self = .rgb(UInt8(number >> 16 & 0xFF), UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF))
        } else if let index = UInt8(value) {
            self = .indexed(index)
        } else if let index = Self.ansiNames[value.replacingOccurrences(of: "_", with: "")] {
            self = .indexed(index)
        } else {
            return nil
        }
    }

    /// This colour as the nearest one a terminal of `depth` can show; nil means "no colour" (monochrome).
    public func downgraded(to depth: ColorDepth) -> TerminalColor? {
        switch (self, depth) {
        case (_, .monochrome): return nil
        case (.terminalDefault, _): return self
        case (.rgb, .truecolor): return self
        case let (.rgb(r, g, b), .palette256): return .indexed(Self.nearest256(r, g, b))
        case let (.rgb(r, g, b), .ansi16): return .indexed(Self.nearest16(r, g, b))
        case (.indexed, .truecolor), (.indexed, .palette256): return self
        case let (.indexed(index), .ansi16):
            if index < 16 { return self }
            let (r, g, b) = Self.rgbOf256(index)
            return .indexed(Self.nearest16(r, g, b))
        }
    }

    /// The RGB value of a 256-palette entry (xterm's standard values).
    public static func rgbOf256(_ index: UInt8) -> (UInt8, UInt8, UInt8) {
        switch index {
        case 0..<16:
            let entry = ansiPalette[Int(index)]
            return (entry.0, entry.1, entry.2)
        case 16..<232:
            let offset = Int(index) - 16
            let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
            return (levels[offset / 36], levels[(offset / 6) % 6], levels[offset % 6])
        default:
            let level = UInt8(8 + (Int(index) - 232) * 10)
            return (level, level, level)
        }
    }

    /// xterm's default RGB values of the 16 ANSI colours.
    static let ansiPalette: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
        (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
        (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    /// Nearest entry of the 6×6×6 cube or the grey ramp (16–255).
    static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        func cubeLevel(_ value: UInt8) -> Int {
            value < 48 ? 0 : value < 115 ? 1 : (Int(value) - 35) / 40
        }
        let (cr, cg, cb) = (cubeLevel(r), cubeLevel(g), cubeLevel(b))
        let cubeIndex = UInt8(16 + 36 * cr + 6 * cg + cb)
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let greyIndex = UInt8(average > 238 ? 255 : max(0, (average - 3) / 10) + 232)
        let cube = rgbOf256(cubeIndex)
        let grey = rgbOf256(greyIndex)
        return distance((r, g, b), cube) <= distance((r, g, b), grey) ? cubeIndex : greyIndex
    }

    /// Nearest of the 16 ANSI colours.
    static func nearest16(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        var best = 0
        var bestDistance = Int.max
        for (index, entry) in ansiPalette.enumerated() {
            let candidate = distance((r, g, b), entry)
            if candidate < bestDistance {
                best = index
                bestDistance = candidate
            }
        }
        return UInt8(best)
    }

    static func distance(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
        let dr = Int(a.0) - Int(b.0)
        let dg = Int(a.1) - Int(b.1)
        let db = Int(a.2) - Int(b.2)
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }
}
