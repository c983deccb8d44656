/// The lease a primary holds for its term, as its own daemon tracks it.
///
/// **Invariant (at most one writable primary).** A voter that granted the lease votes for no other
/// candidate for L (``FailoverSettings/leaseDuration``) after it received the request, on its own
/// clock; a candidate needs the votes of more than half of the voters, and the lease the grants
/// of at least half of the same voters (``CandidateElection/voters(replacing:in:)``, see
/// ``grantsNeeded(voters:)``), so some voter is in both. Hence no candidate can be promoted before L has passed, on that voter's
/// clock, since the holder sent the newest request a majority granted. The holder counts only
/// ``FailoverSettings/leaseSafeDuration`` from that send, on its own clock, and stops its server
/// ``FailoverSettings/leaseFenceLead`` before that: while the clocks' rates differ by less than
/// ``FailoverSettings/clockDriftPercent``, the old primary has stopped taking writes before anyone
/// else can be promoted. No decision compares two clocks' readings, only durations on one clock.
///
/// A voter whose daemon is not running (its server answers, its daemon does not) counts as a grant
/// at the time it was polled: when that daemon starts, it grants no vote for L (``LeaseGrant``
/// with no holder), so it is bound as if it had granted the lease at its start.
public struct PrimaryLease: Sendable, Equatable, Codable {
    /// The term the lease is for.
    public var term: Int
    /// The number of the last request sent.
    public var sequence: Int
    /// When each recent request was sent, by number.
    public var sentAt: [Int: MonitorInstant]
    /// For each voter, the send time of the newest request it granted (or the poll that found its daemon not running).
    public var grantedAt: [Int: MonitorInstant]
    /// Until when the lease counts as held without a majority: a daemon that starts as primary
    /// gives itself ``FailoverSettings/leaseStartGrace`` to hear from its voters; a new primary
    /// holds it by the votes it won (``MonitorTransition/takeLease(after:)``).
    public var graceUntil: MonitorInstant
    /// The holder's server stopped and it told the voters so: they are free.
    public var released: Bool
    /// The holder fenced its own server because the lease ran out.
    public var lost: Bool

    /// A lease of `term` not granted by anyone yet, counted as held until `graceUntil`.
    public init(term: Int, graceUntil: MonitorInstant) {
        self.term = term
        self.sequence = 0
        self.sentAt = [:]
        self.grantedAt = [:]
        self.graceUntil = graceUntil
        self.released = false
        self.lost = false
    }

    /// Grants the lease needs from `voters` voters: half of them, rounded up. An election needs
    /// more than half of the same voters (the candidate's own vote included), so it needs at least
    /// one voter bound to this lease: with one standby and a witness, the standby's grant alone
    /// keeps the primary when the witness is gone, as neither can be elected without the other.
    public static func grantsNeeded(voters: Int) -> Int { (voters + 1) / 2 }

    /// Requests older than this many rounds are forgotten (their answers no longer count).
    static let rememberedRequests = 8

    /// Numbers a new request sent at `now`.
    mutating func nextRequest(holderID: Int, at now: MonitorInstant) -> LeaseRequest {
        sequence += 1
        sentAt[sequence] = now
        sentAt = sentAt.filter { $0.key > sequence - Self.rememberedRequests }
        return LeaseRequest(holderID: holderID, term: term, sequence: sequence)
    }

    /// Counts `voter`'s grant of request `sequence`.
    mutating func grant(by voter: Int, sequence: Int) {
        guard let sent = sentAt[sequence] else { return }
        grantedAt[voter] = max(grantedAt[voter] ?? sent, sent)
    }

    /// Counts `voter` as bound to this lease from `instant` on: it voted for this node (the vote
    /// request was sent then), or its daemon was not running when it was polled then.
    mutating func bind(_ voter: Int, from instant: MonitorInstant) {
        grantedAt[voter] = max(grantedAt[voter] ?? instant, instant)
    }

    /// Until when the lease is held: the send time of the newest request that enough of `voters`
    /// granted (``grantsNeeded(voters:)``), plus the safe duration, or the grace if that is later. nil when there is
    /// no voter at all (nobody could replace this primary).
    func validUntil(voters: [Int], settings: FailoverSettings) -> MonitorInstant? {
        guard !voters.isEmpty else { return nil }
        return max(majorityValidUntil(voters: voters, settings: settings) ?? graceUntil, graceUntil)
    }

    /// Until when the grants of a majority of `voters` hold the lease (the grace not counted);
    /// nil when no majority ever granted it, or there is no voter.
    public func majorityValidUntil(voters: [Int], settings: FailoverSettings) -> MonitorInstant? {
        let needed = Self.grantsNeeded(voters: voters.count)
        let times = voters.compactMap { grantedAt[$0] }.sorted(by: >)
        guard !voters.isEmpty, times.count >= needed else { return nil }
        return times[needed - 1].advanced(by: settings.leaseSafeDuration)
    }

    /// When the holder must fence itself: ``FailoverSettings/leaseFenceLead`` before the lease ends.
    func fenceDeadline(voters: [Int], settings: FailoverSettings) -> MonitorInstant? {
        validUntil(voters: voters, settings: settings)?.advanced(by: -settings.leaseFenceLead)
    }
}
