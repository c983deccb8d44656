import Foundation

/// What one run of ``LeasePartitionScenario`` measured, as a client sees it.
struct LeasePartitionFigures {
    /// Writes node1 acknowledged after the cut, and how many of them after the new primary's first.
    var oldAcknowledgedAfterCut: Int
    var oldAcknowledgedAfterNewFirst: Int
    /// From the cut to node1's last acknowledged write.
    var oldLastWrite: Duration
    /// From the cut to the first write the majority side acknowledged.
    var newFirstWrite: Duration
    /// The node promoted on the majority side.
    var newPrimary: Int
    /// Whether node1's server was stopped (its isolation action) when the majority side took writes.
    var oldServerStopped: Bool
    /// From the heal until exactly one node (the new primary) was writable; nil if never within the watch.
    var onePrimaryAfterHeal: Duration?
    /// Samples during the watch after the heal in which the writable nodes were not just the new primary.
    var samplesNotOnePrimary: Int
    /// How long the watch after the heal lasted.
    var watched: Duration
    /// Writes the new primary acknowledged, and how many of them are missing from it afterwards.
    var majorityAcknowledged: Int
    var majorityLost: Int
    /// node1's daemon log from the cut on, and the events the notification command recorded.
    var oldPrimaryLog: String
    var events: String

    /// One line for a benchmark's output.
    var summary: String {
        "node1 acknowledged \(oldAcknowledgedAfterCut) writes after the cut, \(oldAcknowledgedAfterNewFirst) after "
            + "the new primary's first; its last \(Self.seconds(oldLastWrite)) after the cut; first write on node "
            + "\(newPrimary) \(Self.seconds(newFirstWrite)) after the cut; one writable primary "
            + (onePrimaryAfterHeal.map { "\(Self.seconds($0)) after the heal" } ?? "never")
            + ", \(samplesNotOnePrimary) samples otherwise in \(Self.seconds(watched)); majority-side writes "
            + "acknowledged \(majorityAcknowledged), lost \(majorityLost)"
    }

    /// `1.234 s`.
    static func seconds(_ duration: Duration) -> String {
        String(format: "%.3f s", Polling.seconds(duration))
    }
}
