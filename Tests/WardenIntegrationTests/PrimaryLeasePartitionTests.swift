import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The partition the primary lease exists for (``LeasePartitionScenario``): the primary must stop
/// taking writes before the majority side's new primary takes its first one, and after the heal
/// exactly one writable primary remains, with every write it acknowledged.
@Suite("Primary lease under a partition", .serialized)
struct PrimaryLeasePartitionTests {
    @Test(
        "a cut-off primary stops taking writes before another node is writable; one primary after the heal",
        .enabled(if: geteuid() == 0, "network namespaces need root"))
    func cutOffPrimaryFencesItself() async throws {
        let figures = try await LeasePartitionScenario(watch: .seconds(12)).run()
        print("partition: \(figures.summary)")
        // The promise: no write is acknowledged by the cut-off primary once another node takes writes.
        #expect(figures.oldAcknowledgedAfterNewFirst == 0)
        #expect(figures.oldLastWrite < figures.newFirstWrite)
        #expect(figures.oldServerStopped, "node1's server must be stopped")
        let log = figures.oldPrimaryLog
        #expect(log.contains("lease of term 1 lost: reached 0 of 3 voters"), "\(log)")
        #expect(log.contains("this node fenced itself"), "\(log)")
        // Heal: node1 learns of the new primary and stays fenced (no auto_rejoin); one writable primary.
        #expect(
            log.contains("was promoted in term 2, this node in term 1: fencing this node"), "\(log)")
        #expect(figures.onePrimaryAfterHeal != nil)
        #expect(figures.samplesNotOnePrimary == 0, "node \(figures.newPrimary) must stay the only writable node")
        #expect(figures.majorityAcknowledged > 0)
        #expect(figures.majorityLost == 0, "acknowledged majority-side writes lost")
        #expect(figures.events.contains("1 repmgrd_lease_lost"), "\(figures.events)")
        #expect(figures.events.contains("\(figures.newPrimary) repmgrd_failover_promote"), "\(figures.events)")
    }
}
