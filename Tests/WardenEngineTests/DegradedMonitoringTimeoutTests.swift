import Testing

@testable import WardenEngine

/// `degraded_monitoring_timeout` as repmgrd reads it: the daemon exits once it has been in degraded
/// monitoring for longer than a positive timeout; -1 (the default) and 0 both mean "never"
/// (repmgrd-physical.c checks `degraded_monitoring_timeout > 0`).
@Suite("degraded_monitoring_timeout")
struct DegradedMonitoringTimeoutTests {
    private static let nodes = [
        NodeRecord(
            nodeID: 1, upstreamNodeID: nil, nodeName: "node1", type: .primary, conninfo: "host=node1",
            replicationUser: "repmgr", configFile: "/etc/repmgr.conf"),
        NodeRecord(
            nodeID: 2, upstreamNodeID: 1, nodeName: "node2", type: .standby, conninfo: "host=node2",
            replicationUser: "repmgr", configFile: "/etc/repmgr.conf"),
    ]

    private static func settings(timeout: Int) -> FailoverSettings {
        var configuration = NodeConfiguration(
            nodeID: 2, nodeName: "node2", conninfo: "host=node2 connect_timeout=2", dataDirectory: "/data")
        configuration.failover = .manual
        configuration.reconnectAttempts = 2
        configuration.reconnectInterval = 1
        configuration.monitorIntervalSeconds = 1
        configuration.degradedMonitoringTimeout = timeout
        return FailoverSettings(configuration: configuration)
    }

    /// Runs a failover=manual standby whose upstream is gone for good for `seconds`, ticking at every
    /// wake-up and answering every upstream check with a failure; returns every effect.
    private static func runWithoutUpstream(_ settings: FailoverSettings, seconds: Int64) -> [MonitorEffect] {
        let context = MonitorContext(nodeID: 2, settings: settings, nodes: nodes, term: 1)
        var (state, effects) = FailoverMonitor.start(context: context, now: .zero)
        var all = effects
        var now = MonitorInstant.zero
        let end = MonitorInstant(milliseconds: seconds * 1000)
        while now < end {
            let checks = effects.filter { if case .checkUpstream = $0 { return true } else { return false } }
            for _ in checks {
                (state, effects) = FailoverMonitor.step(
                    state, .upstreamUnreachable(nodeID: 1, detail: "refused"), now: now, context: context)
                all += effects
            }
            let wake = effects.compactMap { if case .wakeUp(let at) = $0 { return at } else { return nil } }.last
            now = max(wake ?? now, MonitorInstant(milliseconds: now.milliseconds + 1))
            (state, effects) = FailoverMonitor.step(state, .tick, now: now, context: context)
            all += effects
        }
        return all
    }

    private static func exits(_ effects: [MonitorEffect]) -> [String] {
        effects.compactMap { if case .exitDaemon(let reason) = $0 { return reason } else { return nil } }
    }

    @Test("0 and -1 mean never, as in repmgr")
    func zeroAndMinusOneMeanNever() {
        #expect(Self.settings(timeout: -1).degradedMonitoringTimeout == nil)
        #expect(Self.settings(timeout: 0).degradedMonitoringTimeout == nil)
        #expect(Self.exits(Self.runWithoutUpstream(Self.settings(timeout: 0), seconds: 120)).isEmpty)
        #expect(Self.exits(Self.runWithoutUpstream(Self.settings(timeout: -1), seconds: 120)).isEmpty)
    }

    @Test("a positive timeout makes the daemon exit after that long in degraded monitoring, not before")
    func positiveTimeoutExits() {
        let settings = Self.settings(timeout: 3)
        #expect(settings.degradedMonitoringTimeout == 3000)
        #expect(Self.exits(Self.runWithoutUpstream(settings, seconds: 3)).isEmpty)
        #expect(
            Self.exits(Self.runWithoutUpstream(settings, seconds: 6)).first
                == "degraded monitoring timeout (3 seconds) exceeded")
    }
}
