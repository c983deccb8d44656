import Foundation
import Testing

@testable import WardenEngine

@Suite("Failover simulation")
struct FailoverSimulationTests {
    @Test("random schedules")
    func randomSchedules() {
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["PGWARDEN_SIM_SEED"], let seed = UInt64(text.replacingOccurrences(of: "0x", with: ""), radix: 16) {
            let cluster = SimulatedCluster(scenario: .generate(seed: seed), tracing: true)
            let failure = cluster.run()
            print(cluster.scenario.nodes.map { "node\($0.id) \($0.type) up=\($0.upstream ?? 0) loc=\($0.settings.location) prio=\($0.settings.priority) \($0.settings.failover)" }.joined(separator: "\n"))
            print(cluster.scenario.faults.map { "\($0.time) \($0.fault)" }.joined(separator: "\n"))
            print("heal \(cluster.scenario.healAt) consensus \(cluster.scenario.nodes[0].settings.primaryVisibilityConsensus) rejoin \(cluster.scenario.nodes[0].settings.autoRejoin) attempts \(cluster.scenario.nodes[0].settings.reconnectAttempts)")
            print(cluster.trace.suffix(Int(environment["PGWARDEN_SIM_TRACE"] ?? "") ?? 300).joined(separator: "\n"))
            print(failure ?? "ok")
            return
        }
        let count = Int(environment["PGWARDEN_SIM_SCHEDULES"] ?? "") ?? 200
        var failures: [String] = []
        var steps = 0
        for k in 0..<count {
            var mixer = SimulationRandom(seed: UInt64(k))
            let seed = mixer.next()
            let cluster = SimulatedCluster(scenario: .generate(seed: seed))
            if let failure = cluster.run() {
                failures.append("seed 0x\(String(seed, radix: 16)): \(failure)")
            }
            steps += cluster.steps
        }
        print("steps \(steps), failures \(failures.count)")
        for failure in failures.prefix(20) { print(failure) }
        #expect(failures.isEmpty)
    }
}
