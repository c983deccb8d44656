/// A message between two nodes' daemons (vote requests and replies, a new primary's
/// announcement, a withdrawn candidacy, lease requests, replies and releases), carried by ``DaemonMailbox``.
public enum DaemonMessage: Sendable, Equatable, Codable {
    case voteRequest(VoteRequest)
    case voteReply(VoteReply)
    case primaryAnnounced(nodeID: Int, term: Int)
    case candidacyWithdrawn(nodeID: Int, term: Int)
    case leaseRequest(LeaseRequest)
    case leaseReply(LeaseReply)
    case leaseReleased(LeaseRelease)

    /// One line for the daemon log.
    public var summary: String {
        switch self {
        case .voteRequest(let request): "vote request for term \(request.term) from node \(request.candidateID)"
        case .voteReply(let reply):
            "vote reply for term \(reply.term) from node \(reply.voterID): \(reply.granted ? "granted" : "refused (\(reply.reason))")"
        case .primaryAnnounced(let nodeID, let term): "announcement: node \(nodeID) is the primary of term \(term)"
        case .candidacyWithdrawn(let nodeID, let term): "node \(nodeID) withdrew its candidacy for term \(term)"
        case .leaseRequest(let request):
            "lease request \(request.sequence) for term \(request.term) from node \(request.holderID)"
        case .leaseReply(let reply):
            "lease reply \(reply.request.sequence) for term \(reply.request.term) from node \(reply.voterID): "
                + (reply.granted ? "granted" : "refused (\(reply.reason))")
        case .leaseReleased(let release): "node \(release.holderID) released its lease of term \(release.term)"
        }
    }

    /// The node the message speaks for (the candidate, voter, holder or announced primary): a
    /// receiver accepts it only from that node's daemon.
    public var speaksFor: Int {
        switch self {
        case .voteRequest(let request): request.candidateID
        case .voteReply(let reply): reply.voterID
        case .primaryAnnounced(let nodeID, _), .candidacyWithdrawn(let nodeID, _): nodeID
        case .leaseRequest(let request): request.holderID
        case .leaseReply(let reply): reply.voterID
        case .leaseReleased(let release): release.holderID
        }
    }

    /// Whether it is one of the routine messages sent every monitoring interval (logged at debug level).
    public var isRoutine: Bool {
        switch self {
        case .leaseRequest: true
        case .leaseReply(let reply): reply.granted
        default: false
        }
    }
}
