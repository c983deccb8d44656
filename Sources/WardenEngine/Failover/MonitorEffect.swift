/// Something ``FailoverMonitor/step(_:_:now:context:)`` asks the driver to do, in order. Effects
/// that produce a result are answered with the matching ``MonitorObservation``.
public enum MonitorEffect: Sendable, Equatable {
    /// Deliver ``MonitorObservation/tick`` at this instant; replaces any earlier wake-up. Every
    /// step ends with exactly one.
    case wakeUp(at: MonitorInstant)
    /// Check upstream `nodeID` (`connection_check_type`, bounded by `connect_timeout`); answer with
    /// ``MonitorObservation/upstreamReachable(nodeID:)`` or ``MonitorObservation/upstreamUnreachable(nodeID:detail:)``.
    case checkUpstream(nodeID: Int)
    /// Check the local server; answer with ``MonitorObservation/localNodeReachable`` or
    /// ``MonitorObservation/localNodeUnreachable(detail:)``.
    case checkLocalNode
    /// Ask these nodes (their servers and daemons, in parallel, one `connect_timeout` in total)
    /// what they see; answer with ``MonitorObservation/peersPolled(localLSN:views:)``, answers to
    /// several polls in the order they were asked for. The answer does not wait for the
    /// `bestEffort` nodes: one that has not answered when the others have is reported unreachable.
    case pollPeers(nodeIDs: [Int], bestEffort: [Int])
    /// Store this vote durably before sending anything else.
    case recordVote(VoteRecord)
    /// Send the request to each voter; deliver each answer as ``MonitorObservation/voteReplied(_:)``.
    case requestVotes(VoteRequest, voters: [Int])
    /// Send this answer to candidate `to`.
    case sendVoteReply(VoteReply, to: Int)
    /// Tell these voters that this node gives up its bid for `term`.
    case withdrawCandidacy(term: Int, voters: [Int])
    /// Run `failover_validation_command` with these placeholders; answer with
    /// ``MonitorObservation/validationFinished(success:detail:)``.
    case runValidationCommand(ValidationFacts)
    /// Promote the local node (`promote_command`, or the built-in promotion) and set
    /// `repmgr.voting_term` to `term`; answer with ``MonitorObservation/promotionFinished(success:detail:)``.
    case promote(term: Int)
    /// Set `repmgr.nodes.active` of `nodeID` (the failed primary after a promotion; a standby whose
    /// server went away or came back).
    case setNodeActive(nodeID: Int, active: Bool)
    /// Tell these nodes that this node is the primary of `term` (repmgr's `notify_follow_primary`).
    case announcePrimary(term: Int, to: [Int])
    /// Attach the local node to `nodeID` (`follow_command`, or the built-in follow; a witness
    /// just re-points its monitoring and metadata copy); answer with
    /// ``MonitorObservation/followFinished(nodeID:success:detail:)``.
    case follow(nodeID: Int)
    /// This node is a primary that was replaced by `newPrimary` in `term`: keep applications from
    /// writing to it.
    case fenceLocalNode(newPrimary: Int, term: Int)
    /// Rejoin the local (superseded primary) node to `nodeID` as a standby; answer with
    /// ``MonitorObservation/rejoinFinished(nodeID:success:detail:)``.
    case rejoin(nodeID: Int)
    /// Send the lease request to each voter; deliver each answer as ``MonitorObservation/leaseReplied(_:)``.
    case requestLease(LeaseRequest, voters: [Int])
    /// Send this answer to the primary `to`.
    case sendLeaseReply(LeaseReply, to: Int)
    /// Tell these voters that this node's lease is released (its server stopped).
    case releaseLease(LeaseRelease, voters: [Int])
    /// The lease is about to run out: stop the local server now, so that no session, new or
    /// existing, can commit another write, and make it start as a standby if anyone starts it.
    case isolateLocalServer(reason: String)
    /// This node fenced itself when its lease ran out, and enough voters granted it again (nobody
    /// else was promoted): start the stopped server again as the primary it was.
    case resumeLocalServer(reason: String)
    /// Record this event and run the event notification command.
    case recordEvent(MonitorEvent)
    /// Keep this decision as the latest one (`daemon status --explain`, the dashboard).
    case recordDecision(FailoverExplanation)
    /// Write a `repmgr.monitoring_history` row for this standby and primary `primaryNodeID`.
    case updateMonitoringHistory(primaryNodeID: Int)
    /// Write this line to the daemon's log.
    case log(LogLevel, String)
    /// `degraded_monitoring_timeout` has passed: shut the daemon down.
    case exitDaemon(reason: String)
}
