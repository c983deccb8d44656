/// Reads a peer daemon's published report in the same round trip as its server's facts (see
/// ``PeerPoll``): the peer's ``StateDirectoryPointer`` is read with `pg_read_file` and the report
/// beside it; the report counts only when it opens with the cluster secret as that peer's own
/// (``MessageAuthenticator/openReport(_:from:)``), and the peer's daemon is otherwise taken as
/// not running.
public struct PeerReportReader: Sendable {
    let authenticator: MessageAuthenticator
    let rejections: RejectionLog

    /// The peer's recovery state, received LSN, pointer and report (`in_recovery`, `lsn`,
    /// `pointer`, `report`); `$1` is the pointer's file name.
    static let pollQuery = """
        SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
               GREATEST(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn())::text AS lsn,
               s.pointer,
               pg_catalog.pg_read_file(pg_catalog.split_part(s.pointer, E'\\n', 2) || '/report.json', 0, 1000000, true)
                 AS report
          FROM (SELECT pg_catalog.pg_read_file($1, 0, 4096, true) AS pointer) AS s
        """

    /// What a poll found of `nodeID`'s daemon.
    enum Outcome: Equatable {
        /// No report there (the daemon is stopped, or never ran on this data directory).
        case missing
        /// A report that did not open: it does not count.
        case rejected
        case report(PeerReport)
    }

    /// Judges the `pointer` and `report` columns read from `nodeID`'s server.
    func outcome(pointer: String?, report: String?, from nodeID: Int) -> Outcome {
        guard let pointer = pointer.flatMap(StateDirectoryPointer.init(text:)), pointer.nodeID == nodeID,
            let report
        else { return .missing }
        switch authenticator.openReport(report, from: nodeID) {
        case .success(let opened): return .report(opened)
        case .failure(let rejection):
            rejections.dropped("the report of node \(nodeID)", rejection)
            return .rejected
        }
    }
}
