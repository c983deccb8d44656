/// Hands out ncurses colour-pair numbers on demand, one per (foreground, background)
/// combination, up to the terminal's limit. When the table is full it is cleared and the
/// backend repaints everything with fresh pairs.
public struct ColorPairTable: Sendable {
    /// A pair of ncurses colour numbers; -1 is the terminal default.
    public struct Pair: Sendable, Hashable {
        public var foreground: Int32
        public var background: Int32

        public init(foreground: Int32, background: Int32) {
            self.foreground = foreground
            self.background = background
        }
    }

    public let capacity: Int
    private var numbers: [Pair: Int32] = [:]

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    public var count: Int { numbers.count }

    /// The pair number for `pair`, and whether it is new (the caller must `init_pair` it).
    /// Nil when the table is full.
    public mutating func number(for pair: Pair) -> (number: Int32, isNew: Bool)? {
        if pair.foreground == -1 && pair.background == -1 { return (0, false) }
        if let existing = numbers[pair] { return (existing, false) }
        guard numbers.count < capacity else { return nil }
        let assigned = Int32(numbers.count + 1)
        numbers[pair] = assigned
        return (assigned, true)
    }

    public mutating func removeAll() {
        numbers.removeAll(keepingCapacity: true)
    }
}
