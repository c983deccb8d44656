import Foundation

/// The rows a query returned, as text (libpq's text format), with typed accessors.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [Row]
    /// Number of rows a command touched (`PQcmdTuples`), or 0.
    public let affectedRows: Int

    public init(columns: [String], values: [[String?]], affectedRows: Int) {
        self.columns = columns
        var index: [String: Int] = [:]
        for (position, name) in columns.enumerated() where index[name] == nil { index[name] = position }
        self.rows = values.map { Row(values: $0, columnIndex: index) }
        self.affectedRows = affectedRows
    }

    public var first: Row? { rows.first }

    /// One result row. Accessors return nil for SQL NULL and for values of the wrong shape.
    public struct Row: Sendable {
        public let values: [String?]
        let columnIndex: [String: Int]

        public subscript(column: String) -> String? {
            guard let position = columnIndex[column], position < values.count else { return nil }
            return values[position]
        }

        public func string(_ column: String) -> String? { self[column] }
        public func int(_ column: String) -> Int? { self[column].flatMap { Int($0) } }
        public func int64(_ column: String) -> Int64? { self[column].flatMap { Int64($0) } }
        public func double(_ column: String) -> Double? { self[column].flatMap { Double($0) } }
        public func lsn(_ column: String) -> LSN? { self[column].flatMap { LSN($0) } }

        /// PostgreSQL booleans arrive as `t` / `f`.
        public func bool(_ column: String) -> Bool? {
            switch self[column] {
            case "t", "true", "on": true
            case "f", "false", "off": false
            default: nil
            }
        }

        /// A timestamp selected as `extract(epoch from ...)`: seconds since 1970. nil for SQL NULL and
        /// for `infinity` / `-infinity` (which arrive as `Infinity` / `-Infinity`) and `NaN`: a date
        /// that is not a point in time is no date, and arithmetic on it traps once made an integer.
        public func epochDate(_ column: String) -> Date? {
            guard let seconds = double(column), seconds.isFinite else { return nil }
            return Date(timeIntervalSince1970: seconds)
        }
    }
}
