/// A demo-only key as the keymap, the help overlay and the hint line show it. Demo keys exist
/// only when the executable supplies ``DemoAction``s (`pgwarden demo`), never in a normal session.
public struct DemoKey: Sendable, Equatable {
    public var key: Character
    /// What it does, e.g. "kill -9 the primary's postmaster" (help shows it as "demo: …").
    public var summary: String

    public init(key: Character, summary: String) {
        self.key = key
        self.summary = summary
    }
}
