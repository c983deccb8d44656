import Synchronization

/// The surviving side of the returning-primary guard. While a former primary is marked failed
/// (registered as primary but inactive), the current primary's daemon looks at its server every
/// `interval` — a refused connection costs next to nothing — and the moment that server runs
/// again as a writable primary (its own daemon down, so nobody prepared it), fences it remotely:
/// its `fence_command`, or read-only with its client sessions terminated. Then records
/// `node_fence` on this primary.
final class RivalPrimaryWatch: Sendable {
    /// How often a failed former primary is looked at.
    static let interval: Int64 = 250

    private let probing = Mutex(false)

    /// The failed former primaries among `nodes` that this primary (`selfID`) watches.
    static func watched(_ nodes: [NodeRecord], selfID: Int) -> [NodeRecord] {
        nodes.filter { $0.nodeID != selfID && $0.type == .primary && !$0.active }
    }

    /// Looks at each watched node once, in the background; a look still running is not doubled.
    func probe(
        _ rivals: [NodeRecord], primary: PostgresConnection, me: NodeRecord, term: Int,
        configuration: NodeConfiguration, log: @escaping MessageSink
    ) {
        let started = probing.withLock { busy in
            defer { busy = true }
            return !busy
        }
        guard started else { return }
        Task.detached { [self] in
            await withTaskGroup(of: Void.self) { group in
                for rival in rivals {
                    group.addTask {
                        await Self.fenceIfWritable(
                            rival, primary: primary, me: me, term: term, configuration: configuration, log: log)
                    }
                }
            }
            probing.withLock { $0 = false }
        }
    }

    private static func fenceIfWritable(
        _ rival: NodeRecord, primary: PostgresConnection, me: NodeRecord, term: Int,
        configuration: NodeConfiguration, log: @escaping MessageSink
    ) async {
        guard let conninfo = try? Conninfo(parsing: rival.conninfo),
            let connection = try? await PostgresConnection.connect(conninfo, timeout: .seconds(1)),
            let facts = try? await connection.query(
                """
                SELECT pg_catalog.pg_is_in_recovery() AS in_recovery, \(ServerFence.readOnlyByDefaultSQL) AS read_only
                """, timeout: .seconds(1)
            ).first,
            facts.bool("in_recovery") == false, facts.bool("read_only") != true
        else { return }
        let subject = FenceSubject(
            nodeID: rival.nodeID, nodeName: rival.nodeName, primaryNodeID: me.nodeID, primaryConninfo: me.conninfo,
            term: term, reason: "running as a second primary; \(me.label) is the primary of term \(term)")
        let method: FenceMethod
        do throws(WardenError) {
            if let command = FenceCommand(configuration: configuration, fence: true) {
                try await command.run(for: subject, report: log)
                method = .command
            } else {
                try await ServerFence.makeReadOnly(connection)
                method = .readOnly
            }
        } catch {
            log(OperationMessage(.error, "unable to fence \(rival.label), a second primary: \(error.message)"))
            return
        }
        let details =
            "\(rival.label) ran as a second primary and was fenced by \(me.label) (\(method.summary)); "
            + "\(me.label) is the primary of term \(term)"
        log(OperationMessage(.warning, details))
        let catalog = Catalog(connection: primary)
        do throws(WardenError) {
            try await FenceTable.record(
                FenceRecord(
                    nodeID: rival.nodeID, fenced: true, method: method, reason: subject.reason,
                    changedBy: me.nodeID), node: rival, details: details, on: catalog,
                recorder: EventRecorder(report: log, configuration: configuration), primaryNode: me)
        } catch {
            log(OperationMessage(.warning, "unable to record the fence of \(rival.label): \(error.message)"))
        }
    }
}
