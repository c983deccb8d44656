/// Something the driver observed and feeds to ``FailoverMonitor/step(_:_:now:context:)``: the
/// result of a check or poll it was asked for, a message from another daemon, the result of an
/// effect it performed, an operator's command, or a timer.
public enum MonitorObservation: Sendable, Equatable {
    /// The instant of the last ``MonitorEffect/wakeUp(at:)`` has come (extra ticks are harmless).
    case tick
    /// A check of upstream `nodeID` succeeded.
    case upstreamReachable(nodeID: Int)
    /// A check of upstream `nodeID` failed (libpq's message as `detail`).
    case upstreamUnreachable(nodeID: Int, detail: String)
    /// The local standby's WAL receiver stopped: the upstream may be gone, check it at once.
    case walReceiverDropped(detail: String)
    /// A check of the local server succeeded.
    case localNodeReachable
    /// A check of the local server failed, or the driver noticed it went away.
    case localNodeUnreachable(detail: String)
    /// The local server is not in recovery although this daemon monitors it as a standby: it was
    /// promoted behind the daemon's back (by an earlier run of the daemon, or by hand). The
    /// driver reports it whenever it notices.
    case localNodeRunsAsPrimary
    /// The answer to ``MonitorEffect/pollPeers(nodeIDs:)``: the local server's last received LSN
    /// (nil when unknown or not a standby) and one view per polled node.
    case peersPolled(localLSN: LSN?, views: [PeerView])
    /// Another daemon asks for this node's vote; `localLSN` is the local server's last received LSN now.
    case voteRequested(VoteRequest, localLSN: LSN?)
    /// A voter answered this node's ``MonitorEffect/requestVotes(_:voters:)``.
    case voteReplied(VoteReply)
    /// Node `nodeID` announces it was promoted in `term`.
    case primaryAnnounced(nodeID: Int, term: Int)
    /// Candidate `nodeID` gave up its bid for `term`.
    case candidacyWithdrawn(nodeID: Int, term: Int)
    /// `failover_validation_command` finished.
    case validationFinished(success: Bool, detail: String)
    /// The promotion finished.
    case promotionFinished(success: Bool, detail: String)
    /// Following `nodeID` finished.
    case followFinished(nodeID: Int, success: Bool, detail: String)
    /// Rejoining `nodeID` finished.
    case rejoinFinished(nodeID: Int, success: Bool, detail: String)
    /// The primary `request.holderID` asks this node to grant (renew) its lease.
    case leaseRequested(LeaseRequest)
    /// A voter answered this primary's ``MonitorEffect/requestLease(_:voters:)``.
    case leaseReplied(LeaseReply)
    /// A primary released its lease: its server stopped.
    case leaseReleased(LeaseRelease)
    /// The local server's postmaster is not running (the driver looked at postmaster.pid on this
    /// host: not a timeout, a fact). A primary releases its lease.
    case localServerStopped
    /// `daemon pause` (cluster-wide; the driver keeps the flag across restarts).
    case pause
    /// `daemon unpause`.
    case unpause
}
