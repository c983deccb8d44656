/// A horizontal run of changed cells with one style: what a backend writes in one call.
public struct ScreenRun: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var text: String
    public var style: Style

    public init(x: Int, y: Int, text: String, style: Style) {
        self.x = x
        self.y = y
        self.text = text
        self.style = style
    }
}
