import WardenTerminal

extension Style {
    /// A solid badge in this style's colour: the colour becomes the background and `ink` the
    /// text. Without a colour to swap (monochrome, terminal defaults) it falls back to reverse video.
    func badge(ink: TerminalColor) -> Style {
        guard foreground != .terminalDefault, ink != .terminalDefault else {
            return adding([.bold, .reverse])
        }
        var attributes = self.attributes.union(.bold)
        attributes.remove(.reverse)
        return Style(foreground: ink, background: foreground, attributes: attributes)
    }
}
