import Foundation
import Testing

@testable import WardenEngine

/// The real ``FailoverMonitor`` of every node of a simulated cluster, driven through thousands of
/// seeded random fault schedules (see ``SimulatedCluster`` and ``SimulationScenario``).
///
/// A failure prints its seed, e.g. `seed 0x83a167ba3340f79d: …`. Replay it with its trace:
///
///     PGWARDEN_SIM_SEED=0x83a167ba3340f79d swift test --filter FailoverSimulationTests
///
/// (or set ``replaySeed`` below). `PGWARDEN_SIM_SCHEDULES` changes the number of schedules and
/// `PGWARDEN_SIM_BASE` the seed they are derived from, to explore new ones.
@Suite("Failover simulation")
struct FailoverSimulationTests {
    /// Set to a failing seed to replay it with its trace.
    static let replaySeed: UInt64? = nil
    static let shards = 8

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var seedToReplay: UInt64? {
        if let text = environment["PGWARDEN_SIM_SEED"] {
            return UInt64(text.replacingOccurrences(of: "0x", with: ""), radix: 16)
        }
        return replaySeed
    }

    /// The seed of schedule `index`: SplitMix64 of a fixed base, so every run checks the same schedules.
    static func seed(_ index: Int, base: UInt64) -> UInt64 {
        var mixer = SimulationRandom(seed: base ^ UInt64(index))
        return mixer.next()
    }

    @Test("10,000 random fault schedules keep every invariant and converge after the heal", arguments: 0..<shards)
    func randomSchedules(shard: Int) {
        if let seed = Self.seedToReplay {
            if shard == 0 { replay(seed) }
            return
        }
        let total = Int(Self.environment["PGWARDEN_SIM_SCHEDULES"] ?? "") ?? 10_000
        let base = Self.environment["PGWARDEN_SIM_BASE"].flatMap { UInt64($0) } ?? 0x5047_5741_5244_454E
        let started = ContinuousClock.now
        var failures: [String] = []
        var steps = 0
        var promotions = 0
        var failovers = 0
        var returningWindow: Int64 = 0
        for index in stride(from: shard, to: total, by: Self.shards) {
            let seed = Self.seed(index, base: base)
            let cluster = SimulatedCluster(scenario: .generate(seed: seed))
            if let failure = cluster.run() {
                failures.append("seed 0x\(String(seed, radix: 16)): \(failure)")
            }
            steps += cluster.steps
            promotions += cluster.promotions
            failovers += cluster.promotions > 0 ? 1 : 0
            returningWindow = max(returningWindow, cluster.longestReturningPrimaryWindow)
        }
        let schedules = (total - shard + Self.shards - 1) / Self.shards
        print(
            "failover simulation shard \(shard): \(schedules) schedules, \(steps) monitor steps, "
                + "\(promotions) promotions in \(failovers) schedules, \(failures.count) failures, "
                + "longest returning-primary window \(returningWindow) ms, "
                + "\(ContinuousClock.now - started)")
        for failure in failures.prefix(10) { print(failure) }
        #expect(failures.isEmpty, "replay with PGWARDEN_SIM_SEED=<seed>: \(failures.prefix(3))")
    }

    /// Runs one seed with its trace printed.
    private func replay(_ seed: UInt64) {
        let cluster = SimulatedCluster(scenario: .generate(seed: seed), tracing: true)
        let failure = cluster.run()
        let scenario = cluster.scenario
        for node in scenario.nodes {
            let settings = node.settings
            print(
                "node\(node.id) \(node.type) upstream \(node.upstream.map(String.init) ?? "-") location \(settings.location) "
                    + "priority \(settings.priority) failover \(settings.failover.rawValue)")
        }
        for (time, fault) in scenario.faults { print("\(time) ms: \(fault)") }
        print("heal at \(scenario.healAt) ms")
        print(cluster.trace.joined(separator: "\n"))
        print("seed 0x\(String(seed, radix: 16)): " + (failure ?? "all invariants held, converged"))
        #expect(failure == nil)
    }

    @Test("kill -9 of the primary: the decision comes 1.0 s after the loss, whenever the crash happens")
    func killedPrimaryTiming() {
        var decisions: [Int64] = []
        var follows: [Int64] = []
        for step in 0..<16 {
            let crashAt = 10_000 + Int64(step) * 137
            let cluster = SimulatedCluster(scenario: .killedPrimary(seed: UInt64(step), crashAt: crashAt))
            #expect(cluster.run() == nil)
            guard let promotion = cluster.firstPromotionRequest else {
                Issue.record("no promotion after the crash at \(crashAt) ms")
                continue
            }
            decisions.append(promotion - crashAt)
            let follow = cluster.firstFollowRequest.filter { $0.key != 4 }.values.min()
            if let follow { follows.append(follow - crashAt) }
            #expect(cluster.promotions == 1)
        }
        decisions.sort()
        follows.sort()
        print(
            "kill -9 of the primary, 16 crash moments: promotion asked for after \(decisions.first ?? 0)…"
                + "\(decisions.last ?? 0) ms (median \(decisions[decisions.count / 2]) ms); the other standby "
                + "asked to follow after \(follows.first ?? 0)…\(follows.last ?? 0) ms, including the simulated "
                + "promotion time")
        #expect(decisions.allSatisfy { (1000...1200).contains($0) })
        #expect(follows.count == decisions.count)
    }
}
