import Testing

@testable import WardenEngine

@Suite("Child node tracker")
struct ChildNodeTrackerTests {
    let node2 = NodeRecord(
        nodeID: 2, upstreamNodeID: 1, nodeName: "node2", type: .standby, conninfo: "host=b", replicationUser: "r",
        configFile: "/c")
    let witness = NodeRecord(
        nodeID: 4, upstreamNodeID: 1, nodeName: "witness", type: .witness, conninfo: "host=w", replicationUser: "r",
        configFile: "/c")

    @Test("new connect, disconnect and reconnect events with repmgr's wording")
    func events() {
        var tracker = ChildNodeTracker(includeWitness: false, minimumConnected: -1, disconnectTimeout: 30)
        let first = tracker.observe(children: [node2, witness], attachedNames: ["node2"], now: 0)
        #expect(first.events.map(\.name) == ["child_node_new_connect"])
        #expect(first.events.first?.details == "new standby \"node2\" (ID: 2) has connected")
        let gone = tracker.observe(children: [node2], attachedNames: [], now: 10)
        #expect(gone.events.first?.details == "standby node \"node2\" (ID: 2) has disconnected")
        let back = tracker.observe(children: [node2], attachedNames: ["node2"], now: 25)
        #expect(back.events.first?.details == "standby node \"node2\" (ID: 2) has reconnected after 15 seconds")
    }

    @Test("the disconnect command fires once, after the timeout")
    func disconnectCommand() {
        var tracker = ChildNodeTracker(includeWitness: false, minimumConnected: -1, disconnectTimeout: 30)
        _ = tracker.observe(children: [node2], attachedNames: ["node2"], now: 0)
        #expect(tracker.observe(children: [node2], attachedNames: [], now: 5).runDisconnectCommand == false)
        #expect(tracker.observe(children: [node2], attachedNames: [], now: 34).runDisconnectCommand == false)
        #expect(tracker.observe(children: [node2], attachedNames: [], now: 35).runDisconnectCommand == true)
        #expect(tracker.observe(children: [node2], attachedNames: [], now: 60).runDisconnectCommand == false)
    }
}
