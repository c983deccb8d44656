import WardenEngine

/// Which engine operations the dashboard offers, and how to make each from the target
/// node's configuration. Only kinds listed here get a key; the session hands out none of
/// them when it is read-only.
public struct OperationCatalog: Sendable {
    /// Makes the operation for a node, given that node's repmgr.conf.
    public typealias Builder = @Sendable (NodeRecord, NodeConfiguration) -> ClusterOperation

    /// Makes the cluster-wide pause (`pause` true) or unpause of every node's daemon, reaching
    /// the cluster through `entry`.
    public typealias DaemonPauseBuilder = @Sendable (_ pause: Bool, _ entry: Conninfo) -> ClusterOperation

    /// Makes the fence (`fence` true) or unfence of `node`, reading the cluster through `entry`, with
    /// the settings of `configuration` (the dashboard's own repmgr.conf, nil when it has none).
    public typealias FenceBuilder =
        @Sendable (_ fence: Bool, _ node: NodeRecord, _ entry: Conninfo, _ configuration: NodeConfiguration?) ->
        ClusterOperation

    private let builders: [OperationKind: Builder]
    private let daemonPause: DaemonPauseBuilder?
    private let fence: FenceBuilder?

    /// `builders` for the node-bound kinds; `daemonPause` for ``OperationKind/pauseDaemons`` and
    /// `fence` for ``OperationKind/fence`` (builders listed under those kinds in `builders` are ignored).
    public init(
        builders: [OperationKind: Builder], daemonPause: DaemonPauseBuilder? = nil, fence: FenceBuilder? = nil
    ) {
        self.builders = builders.filter { !$0.key.isClusterWide && $0.key != .fence }
        self.daemonPause = daemonPause
        self.fence = fence
    }

    /// The kinds this catalog can build.
    public var kinds: Set<OperationKind> {
        Set(builders.keys).union(daemonPause == nil ? [] : [.pauseDaemons]).union(fence == nil ? [] : [.fence])
    }

    /// The fence (`fence` true) or unfence of `node`, or nil when the catalog does not have it.
    public func fenceOperation(
        fence: Bool, node: NodeRecord, entry: Conninfo, configuration: NodeConfiguration?
    ) -> ClusterOperation? {
        self.fence.map { $0(fence, node, entry, configuration) }
    }

    /// The pause or unpause of every node's daemon, or nil when the catalog does not have it.
    public func daemonPauseOperation(pause: Bool, entry: Conninfo) -> ClusterOperation? {
        daemonPause.map { $0(pause, entry) }
    }

    /// The operation of `kind` for `node`, or nil when the catalog has no such kind.
    public func operation(_ kind: OperationKind, node: NodeRecord, configuration: NodeConfiguration)
        -> ClusterOperation?
    {
        builders[kind].map { $0(node, configuration) }
    }

    /// No operations at all.
    public static let none = OperationCatalog(builders: [:])

    /// The operations the engine implements, each run exactly as the CLI runs it.
    public static let engine = OperationCatalog(
        builders: engineBuilders,
        daemonPause: { pause, entry in
            ClusterOperation(kind: .pauseDaemons, node: nil) { report throws(WardenError) in
                let operation = DaemonPauseChange(pause: pause, via: entry)
                let prepared = try await operation.prepare(report: report)
                return PreparedOperation(plan: prepared.plan) { report throws(WardenError) in
                    try await operation.run(prepared, report: report)
                }
            }
        },
        fence: { fence, node, entry, configuration in
            ClusterOperation(kind: .fence, node: node) { report throws(WardenError) in
                if fence {
                    let operation = NodeFence(
                        configuration: configuration, entry: entry, nodeID: node.nodeID,
                        reason: "fenced from the dashboard")
                    let prepared = try await operation.prepare(report: report)
                    return PreparedOperation(plan: prepared.plan) { report throws(WardenError) in
                        try await operation.run(prepared, report: report)
                    }
                }
                let operation = NodeUnfence(
                    configuration: configuration, entry: entry, nodeID: node.nodeID,
                    reason: "unfenced from the dashboard")
                let prepared = try await operation.prepare(report: report)
                return PreparedOperation(plan: prepared.plan) { report throws(WardenError) in
                    try await operation.run(prepared, report: report)
                }
            }
        })

    private static let engineBuilders: [OperationKind: Builder] = [
        .promote: { node, configuration in
            ClusterOperation(kind: .promote, node: node) { report throws(WardenError) in
                let operation = StandbyPromotion(configuration: configuration, siblingsFollow: false, force: false)
                let prepared = try await operation.prepare(report: report)
                return PreparedOperation(plan: prepared.plan) { report throws(WardenError) in
                    try await operation.run(prepared, report: report)
                }
            }
        },
        .follow: { node, configuration in
            ClusterOperation(kind: .follow, node: node) { report throws(WardenError) in
                let operation = StandbyFollow(configuration: configuration, upstreamNodeID: nil, wait: false)
                let prepared = try await operation.prepare(report: report)
                return PreparedOperation(plan: prepared.plan) { report throws(WardenError) in
                    try await operation.run(prepared, report: report)
                }
            }
        },
        .switchover: { node, configuration in
            ClusterOperation(kind: .switchover, node: node) { report throws(WardenError) in
                let operation = StandbySwitchover(
                    configuration: configuration, siblingsFollow: true, forceRewind: false, alwaysPromote: false,
                    force: false)
                let prepared = try await operation.prepare(report: report)
                return PreparedOperation(plan: prepared.plan) { report throws(WardenError) in
                    try await operation.run(prepared, report: report)
                }
            }
        },
    ]
}
