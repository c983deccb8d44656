import Foundation

/// A one-line message in the status area (a theme that failed to load, an action that is
/// not possible here); it goes at the next key press or after a while.
public struct Notice: Sendable, Equatable {
    public var text: String
    public var role: ThemeRole
    public var shownAt: Date

    public init(_ text: String, role: ThemeRole, at date: Date) {
        self.text = text
        self.role = role
        self.shownAt = date
    }

    /// How long a notice stays without a key press.
    public static let lifetime: TimeInterval = 15
}
