import WardenTerminal

extension Rect {
    /// The rect with `amount` columns taken off the left and the right.
    func insetHorizontally(by amount: Int) -> Rect {
        Rect(x: x + amount, y: y, width: width - 2 * amount, height: height)
    }
}
