import Synchronization

/// Tells a live peer daemon from a stalled one by this daemon's own clock: a report is fresh
/// while its publication number keeps changing, and stale once the same publication has been
/// read for longer than the staleness limit since this daemon first read it. No clock of the
/// peer's is compared with this one's (the peer's wall clock may be off by any amount).
///
/// A publication read for the first time counts as fresh: a peer that stalled before this daemon
/// started is believed for one staleness limit at most.
final class ReportFreshness: Sendable {
    private struct Sighting {
        let publication: Int
        let firstReadAt: ContinuousClock.Instant
    }

    private let sightings = Mutex<[Int: Sighting]>([:])
    private let limit: Duration

    /// Reports unchanged for `limit` are stale.
    init(limit: Duration) {
        self.limit = limit
    }

    /// Whether `report`, just read from `nodeID`'s daemon, is still being renewed.
    func isFresh(_ report: PeerReport, from nodeID: Int, now: ContinuousClock.Instant = .now) -> Bool {
        sightings.withLock { sightings in
            if let seen = sightings[nodeID], seen.publication == report.publication {
                return now - seen.firstReadAt < limit
            }
            sightings[nodeID] = Sighting(publication: report.publication, firstReadAt: now)
            return true
        }
    }
}
