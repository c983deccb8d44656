/// What a demo action reports back: shown as a notice, as a warning when it failed.
public struct DemoActionResult: Sendable, Equatable {
    public var text: String
    public var failed: Bool

    public init(_ text: String, failed: Bool = false) {
        self.text = text
        self.failed = failed
    }
}
