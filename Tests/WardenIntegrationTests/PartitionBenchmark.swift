import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The partition benchmark of the primary lease (`Benchmarks/partition.sh`): ``LeasePartitionScenario``
/// `PGWARDEN_PARTITION_RUNS` times (default 5), each on a fresh cluster with a 30 s watch after the
/// heal, printing each run's figures and a summary. Not a test: it runs only with PGWARDEN_BENCHMARK=1.
@Suite(
    "Partition benchmark",
    .enabled(if: ProcessInfo.processInfo.environment["PGWARDEN_BENCHMARK"] != nil && geteuid() == 0))
struct PartitionBenchmark {
    @Test("primary cut off by a partition: writes it acknowledged late, failover time, the heal")
    func partition() async throws {
        let runs = Int(ProcessInfo.processInfo.environment["PGWARDEN_PARTITION_RUNS"] ?? "") ?? 5
        var all: [LeasePartitionFigures] = []
        for run in 1...runs {
            let figures = try await LeasePartitionScenario(watch: .seconds(30)).run()
            print("run \(run): \(figures.summary)")
            all.append(figures)
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        let last = all.map { Polling.seconds($0.oldLastWrite) }
        let first = all.map { Polling.seconds($0.newFirstWrite) }
        let heal = all.compactMap { $0.onePrimaryAfterHeal.map(Polling.seconds) }
        print(
            String(
                format:
                    "partition, %d runs: writes acknowledged by the cut-off primary after the new primary's first: %d "
                    + "(target 0); its last write after the cut: median %.3f s, worst %.3f s (target <= 6 s); "
                    + "majority-side primary writable after the cut: median %.3f s, worst %.3f s (target median <= 10 s); "
                    + "one writable primary after the heal: worst %.3f s in %d of %d runs (target <= 5 s), "
                    + "samples with another writable node in the 30 s after it: %d (target 0); "
                    + "majority-side writes acknowledged %d, lost %d (target 0)",
                runs, all.map(\.oldAcknowledgedAfterNewFirst).reduce(0, +), median(last), last.max() ?? 0,
                median(first), first.max() ?? 0, heal.max() ?? 0, heal.count, runs,
                all.map(\.samplesNotOnePrimary).reduce(0, +), all.map(\.majorityAcknowledged).reduce(0, +),
                all.map(\.majorityLost).reduce(0, +)))
    }
}
