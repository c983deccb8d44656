import WardenEngine

/// What the details view reads from one node on demand: its slots and its WAL receiver row.
public struct NodeDetails: Sendable, Equatable {
    public var slots: [DashboardQueries.ReplicationSlot]
    /// `pg_stat_wal_receiver` as column/value pairs (empty: no WAL receiver).
    public var walReceiver: [Field]
    /// Why the node could not be read, if it could not.
    public var error: String?

    /// One column of a row, for display.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(slots: [DashboardQueries.ReplicationSlot], walReceiver: [Field], error: String?) {
        self.slots = slots
        self.walReceiver = walReceiver
        self.error = error
    }
}
