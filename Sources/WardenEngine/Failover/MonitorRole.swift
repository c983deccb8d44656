/// What the local node is to the failover monitor: the primary it keeps alive, a standby that
/// watches its upstream (and may be promoted), or a witness that only watches and votes.
public enum MonitorRole: String, Sendable, Equatable, Codable {
    case primary
    case standby
    case witness
}
