@testable import WardenEngine

/// One simulated cluster — topology, locations, priorities, failover modes, timings — and its fault
/// schedule, all derived from a single seed.
struct SimulationScenario {
    /// A node of the simulated cluster.
    struct Node {
        let id: Int
        let type: NodeType
        let upstream: Int?
        let settings: FailoverSettings
        let lag: UInt64
        /// How much faster (positive) or slower its monotonic clock runs than real time, in
        /// millionths; every pair stays within the 1 % the lease assumes.
        var clockRatePPM: Int64 = 0
        /// What its clock reads at the simulation's start.
        var clockOffset: Int64 = 0
    }

    /// Whom a fault hits: the node running as primary when it happens, or a fixed node.
    enum Target {
        case primary
        case node(Int)
    }

    /// A fault (or a repair) of the simulated world.
    enum Fault {
        /// kill -9 of the postmaster; started again after `downFor` (nil: at the heal).
        case killPostgres(Target, downFor: Int64?)
        /// The whole machine stops: server and daemon; restarted after `downFor`, at the heal, or
        /// (`permanent`) never.
        case crashMachine(Target, downFor: Int64?, permanent: Bool)
        /// The machine freezes (SIGSTOP-like) for `duration`: nothing answers, nothing runs.
        case hang(Target, duration: Int64)
        /// The nodes of `group` cannot talk to the others for `duration`.
        case partition([Int], duration: Int64?)
        /// The node (the primary at that moment, typically) is cut off from every other node for
        /// `duration`, while its own clients keep writing to it.
        case isolate(Target, duration: Int64?)
        /// Messages and connections from `from` to `to` are lost for `duration`; the other way works.
        case oneWay(from: Int, to: Int, duration: Int64?)
        /// One link is cut for `duration`.
        case cutLink(Int, Int, duration: Int64?)
        /// One link goes down and up `toggles` times, `period` apart.
        case flap(Int, Int, toggles: Int, period: Int64)
        /// The daemon of a node is restarted (its memory lost, its persisted vote kept).
        case restartDaemon(Int)
        /// `daemon pause` cluster-wide for `duration`.
        case pause(duration: Int64?)
        /// A standby falls behind (or catches up): its replay lag in bytes.
        case setLag(Int, UInt64)
    }

    let seed: UInt64
    let nodes: [Node]
    let faults: [(time: Int64, fault: Fault)]
    /// Every fault is repaired at this time.
    let healAt: Int64
    /// The cluster must have converged before this time.
    let horizon: Int64
    /// WAL bytes a writable primary produces per millisecond.
    let walRate: UInt64
    let promotionFailurePercent: Int
    let followFailurePercent: Int
    let validationFailurePercent: Int
    let slowFollowPercent: Int
    let delayedMessagePercent: Int
    /// Messages lost in transit (each one on its own).
    var lostMessagePercent = 0

    static func generate(seed: UInt64) -> SimulationScenario {
        var random = SimulationRandom(seed: seed)
        let standbyCount = 1 + random.below(4)
        let hasWitness = random.percent(60)
        let multiLocation = random.percent(25)
        let consensus = random.percent(40)
        let validation = random.percent(20)
        let autoRejoin = random.percent(50)
        let monitorInterval = random.int64(2...6) * 500
        let reconnectAttempts = 1 + random.below(4)
        let reconnectInterval = random.int64(1...4) * 500
        let peerTimeout = random.int64(2...4) * 500
        let rerunInterval = random.int64(3...10) * 1000
        let notificationTimeout = random.int64(5...20) * 1000
        let primaryLocation = multiLocation ? "dc1" : "default"

        func settings(priority: Int, location: String, failover: NodeConfiguration.FailoverMode) -> FailoverSettings {
            FailoverSettings(
                failover: failover, priority: priority, location: location, monitorInterval: monitorInterval,
                reconnectAttempts: reconnectAttempts, reconnectInterval: reconnectInterval, peerTimeout: peerTimeout,
                primaryVisibilityConsensus: consensus, hasValidationCommand: validation,
                electionRerunInterval: rerunInterval, primaryNotificationTimeout: notificationTimeout,
                monitoringHistory: true, autoRejoin: autoRejoin)
        }

        var nodes = [
            Node(
                id: 1, type: .primary, upstream: nil,
                settings: settings(priority: 100, location: primaryLocation, failover: .automatic), lag: 0)
        ]
        for id in 2...(1 + standbyCount) {
            let cascaded = id >= 3 && random.percent(20)
            let upstream = cascaded ? 2 + random.below(id - 2) : 1
            let location = multiLocation ? (random.percent(60) ? "dc1" : "dc2") : "default"
            let priority = random.percent(15) ? 0 : random.pick([100, 100, 100, 50, 150], or: 100)
            let failover: NodeConfiguration.FailoverMode = random.percent(10) ? .manual : .automatic
            let lag: UInt64 = random.percent(50) ? 0 : UInt64(random.below(50_000))
            nodes.append(
                Node(
                    id: id, type: .standby, upstream: upstream,
                    settings: settings(priority: priority, location: location, failover: failover), lag: lag))
        }
        if hasWitness {
            let location = multiLocation && random.percent(20) ? "dc2" : primaryLocation
            nodes.append(
                Node(
                    id: nodes.count + 1, type: .witness, upstream: 1,
                    settings: settings(priority: 0, location: location, failover: .automatic), lag: 0))
        }

        let ids = nodes.map(\.id)
        func anyNode() -> Int { random.pick(ids, or: 1) }
        func target() -> Target { random.percent(50) ? .primary : .node(anyNode()) }
        func downtime() -> Int64? { random.percent(40) ? nil : random.int64(2000...30_000) }
        var faults: [(time: Int64, fault: Fault)] = []
        var permanent = false
        for _ in 0..<(1 + random.below(5)) {
            let time = random.int64(2000...18_000)
            let fault: Fault
            switch random.below(21) {
            case 0..<4: fault = .killPostgres(.primary, downFor: downtime())
            case 4..<6:
                let forever = !permanent && random.percent(40)
                permanent = permanent || forever
                fault = .crashMachine(
                    forever ? .primary : target(), downFor: forever ? nil : downtime(), permanent: forever)
            case 6..<8: fault = .hang(target(), duration: random.int64(1000...20_000))
            case 8..<10:
                let group = ids.filter { _ in random.percent(40) }
                fault = .partition(group.isEmpty ? [anyNode()] : group, duration: downtime())
            case 10..<12:
                let a = anyNode()
                let b = random.pick(ids.filter { $0 != a }, or: a)
                fault = .cutLink(a, b, duration: downtime())
            case 12:
                let a = anyNode()
                let b = random.pick(ids.filter { $0 != a }, or: a)
                fault = .flap(a, b, toggles: 3 + random.below(8), period: random.int64(200...1500))
            case 13: fault = .restartDaemon(anyNode())
            case 14: fault = .pause(duration: random.percent(50) ? nil : random.int64(2000...20_000))
            case 15: fault = .setLag(anyNode(), UInt64(random.below(200_000)))
            case 17, 18: fault = .isolate(random.percent(80) ? .primary : .node(anyNode()), duration: downtime())
            case 19:
                let a = anyNode()
                let b = random.pick(ids.filter { $0 != a }, or: a)
                fault = .oneWay(from: a, to: b, duration: downtime())
            default: fault = .killPostgres(.node(anyNode()), downFor: downtime())
            }
            faults.append((time, fault))
        }
        faults.sort { $0.time < $1.time }
        for index in nodes.indices {
            nodes[index].clockRatePPM = random.int64(-4000...4000)
            nodes[index].clockOffset = random.int64(0...1_000_000)
        }
        let healAt = 20_000 + random.int64(0...6000)
        var scenario = SimulationScenario(
            seed: seed, nodes: nodes, faults: faults, healAt: healAt,
            horizon: healAt + 4 * (notificationTimeout + rerunInterval) + 30_000,
            walRate: UInt64(1 + random.below(2000)),
            promotionFailurePercent: random.percent(30) ? 20 : 0,
            followFailurePercent: random.percent(30) ? 20 : 0,
            validationFailurePercent: validation && random.percent(50) ? 30 : 0,
            slowFollowPercent: random.percent(30) ? 30 : 0,
            delayedMessagePercent: random.percent(30) ? 10 : 0)
        scenario.lostMessagePercent = random.percent(20) ? 5 : 0
        return scenario
    }

    /// The benchmark's cluster and settings (primary, two standbys, a witness; reconnect_attempts=2,
    /// reconnect_interval=1, monitor_interval_secs=2, connect_timeout=2), without random failures,
    /// and one fault: kill -9 of the primary's postmaster at `crashAt`, never restarted before the heal.
    static func killedPrimary(seed: UInt64, crashAt: Int64) -> SimulationScenario {
        let settings = FailoverSettings(
            failover: .automatic, priority: 100, location: "default", monitorInterval: 2000, reconnectAttempts: 2,
            reconnectInterval: 1000, peerTimeout: 2000, primaryVisibilityConsensus: false,
            electionRerunInterval: 15_000, primaryNotificationTimeout: 60_000, monitoringHistory: true)
        var witness = settings
        witness.priority = 0
        let nodes = [
            Node(id: 1, type: .primary, upstream: nil, settings: settings, lag: 0),
            Node(id: 2, type: .standby, upstream: 1, settings: settings, lag: 0),
            Node(id: 3, type: .standby, upstream: 1, settings: settings, lag: 0),
            Node(id: 4, type: .witness, upstream: 1, settings: witness, lag: 0),
        ]
        return SimulationScenario(
            seed: seed, nodes: nodes, faults: [(crashAt, .killPostgres(.primary, downFor: nil))],
            healAt: crashAt + 20_000,
            horizon: crashAt + 120_000, walRate: 1000, promotionFailurePercent: 0, followFailurePercent: 0,
            validationFailurePercent: 0, slowFollowPercent: 0, delayedMessagePercent: 0)
    }

    /// The node records every node starts with: `repmgr.nodes` after registration.
    var records: [NodeRecord] {
        nodes.map { node in
            NodeRecord(
                nodeID: node.id, upstreamNodeID: node.upstream, nodeName: "node\(node.id)", type: node.type,
                location: node.settings.location, priority: node.settings.priority,
                conninfo: "host=node\(node.id)", replicationUser: "repmgr", configFile: "/etc/repmgr.conf")
        }
    }
}
