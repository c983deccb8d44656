/// `failover` values appear in peer reports and decision records, which drivers store as JSON.
extension NodeConfiguration.FailoverMode: Codable {}
