import WardenTerminal

extension Style {
    /// This style with `other`'s foreground (when it sets one) and attributes on top: draws a
    /// role's colour on a bar's background.
    func merging(_ other: Style) -> Style {
        var merged = self
        if other.foreground != .terminalDefault { merged.foreground = other.foreground }
        merged.attributes.formUnion(other.attributes)
        return merged
    }
}
