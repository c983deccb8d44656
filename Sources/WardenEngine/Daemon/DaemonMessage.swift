/// A message between two nodes' daemons (vote requests and replies, a new primary's
/// announcement, a withdrawn candidacy), carried by ``DaemonMailbox``.
public enum DaemonMessage: Sendable, Equatable, Codable {
    case voteRequest(VoteRequest)
    case voteReply(VoteReply)
    case primaryAnnounced(nodeID: Int, term: Int)
    case candidacyWithdrawn(nodeID: Int, term: Int)
}
