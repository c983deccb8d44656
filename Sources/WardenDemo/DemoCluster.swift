import Foundation
import Synchronization
import WardenEngine

/// A sandbox replication cluster on this machine, built with pgwarden's own operations: node1
/// (primary), node2 (standby of node1), node3 (cascading from node2) and a witness, on free loopback
/// ports, with replication slots, a failover daemon per node (quick failover settings, monitoring
/// history on), pgbouncer in front of the primary when it is installed, and a small write load.
///
/// ``start(options:themes:progress:)`` reports every step; when one fails, everything started so far
/// is stopped before its error is passed on. ``stop(progress:)`` stops it all and removes the directory
/// (unless kept). The fault methods (``killPrimary()``, ``toggleHang(nodeID:)``, ``toggleStandby(nodeID:)``,
/// ``addWriter()``) act on the processes the demo started.
public final class DemoCluster: Sendable {
    public let directory: String
    public let nodes: [DemoNode]
    let installation: PostgresInstallation
    let executable: String
    let pgbouncer: PgBouncerInstance?
    private let supervisor: DemoSupervisor
    private let load: WriteLoad
    private let configurations: [Int: NodeConfiguration]
    private let hung = Mutex<Set<Int>>([])

    private init(
        sandbox: DemoSandbox, nodes: [DemoNode], installation: PostgresInstallation, pgbouncer: PgBouncerInstance?,
        supervisor: DemoSupervisor, configurations: [Int: NodeConfiguration]
    ) {
        self.directory = sandbox.directory
        self.executable = sandbox.executable
        self.nodes = nodes
        self.installation = installation
        self.pgbouncer = pgbouncer
        self.supervisor = supervisor
        self.configurations = configurations
        self.load = WriteLoad(dataNodes: nodes.filter { $0.role != .witness })
    }

    /// True in a demo that a root demo restarted as the unprivileged account (its setup continues).
    public static func isRelaunched(environment: [String: String]) -> Bool {
        environment[DemoSandbox.preparedVariable]?.isEmpty == false
    }

    /// Builds and starts the cluster. `themes` is the dashboard's theme directory, copied into the
    /// sandbox (and named in `PGWARDEN_THEMES_DIR`) when the demo restarts itself as an unprivileged
    /// account.
    public static func start(
        options: DemoOptions, themes: String?, progress: @escaping @Sendable (DemoProgress) -> Void
    ) async throws(WardenError) -> DemoCluster {
        let steps = DemoSteps(progress: progress, interrupted: options.interrupted)
        var located: PostgresInstallation?
        try await steps.run("find PostgreSQL") { () async throws(WardenError) -> String? in
            let found = try await PostgresInstallation.locate(environment: options.environment)
            located = found
            return found.bindir + (found.pgbouncer.map { ", pgbouncer \($0)" } ?? ", no pgbouncer")
        }
        guard let installation = located else { throw WardenError("PostgreSQL was not found", exitStatus: .badConfig) }
        let sandbox = try await DemoSandbox.prepare(options: options, themes: themes, steps: steps)
        let store = DemoStateStore(environment: options.environment)
        let supervisor: DemoSupervisor
        do throws(WardenError) {
            try store.prepare()
            for leftover in store.leftovers() {
                try await steps.run("clean up after an earlier demo (PID \(leftover.owner.pid))") {
                    () async throws(WardenError) -> String? in
                    await store.cleanUp(leftover)
                    return leftover.keep ? "processes stopped, \(leftover.directory) kept" : leftover.directory
                }
            }
            supervisor = try DemoSupervisor(
                store: store, directory: sandbox.directory, keep: options.keep, bindir: installation.bindir)
        } catch {
            if !options.keep { DemoTeardown.removeDirectory(sandbox.directory) }
            throw error
        }
        let cluster: DemoCluster
        do throws(WardenError) {
            let ports = try LoopbackPorts.allocate(5)
            let directory = sandbox.directory
            let nodes = [
                DemoNode(id: 1, name: "node1", role: .primary, upstreamID: nil, port: ports[0], sandbox: directory),
                DemoNode(id: 2, name: "node2", role: .standby, upstreamID: 1, port: ports[1], sandbox: directory),
                DemoNode(id: 3, name: "node3", role: .standby, upstreamID: 2, port: ports[2], sandbox: directory),
                DemoNode(id: 4, name: "witness", role: .witness, upstreamID: nil, port: ports[3], sandbox: directory),
            ]
            let pgbouncer = installation.pgbouncer.map {
                PgBouncerInstance(executable: $0, directory: directory + "/pgbouncer", port: ports[4])
            }
            var configurations: [Int: NodeConfiguration] = [:]
            for node in nodes {
                try makeDirectory(node.directory)
                configurations[node.id] = try DemoFiles.writeConfiguration(
                    for: node, bindir: installation.bindir, pgbouncer: pgbouncer)
            }
            try makeDirectory(directory + "/tmp")
            cluster = DemoCluster(
                sandbox: sandbox, nodes: nodes, installation: installation, pgbouncer: pgbouncer,
                supervisor: supervisor, configurations: configurations)
        } catch {
            _ = await supervisor.stopEverything(progress: progress)
            throw error
        }
        do throws(WardenError) {
            try await cluster.build(steps: steps)
        } catch {
            _ = await cluster.stop(progress: progress)
            throw error
        }
        return cluster
    }

    /// Stops the write load, the daemons, pgbouncer and the servers; removes the directory unless it
    /// is kept (then returns it).
    public func stop(progress: @escaping @Sendable (DemoProgress) -> Void) async -> String? {
        await load.stop()
        return await supervisor.stopEverything(progress: progress)
    }

    /// The conninfo applications use through pgbouncer, nil without pgbouncer.
    public var pgbouncerConninfo: String? {
        pgbouncer.map { "host=127.0.0.1 port=\($0.port) dbname=\(PgBouncerInstance.database) user=repmgr" }
    }

    // MARK: - Building

    private func build(steps: DemoSteps) async throws(WardenError) {
        let primary = nodes[0]
        let witness = nodes[3]
        try await steps.run("initdb node1 and witness") { () async throws(WardenError) -> String? in
            async let primaryFailure = initdb(primary)
            async let witnessFailure = initdb(witness)
            if let failure = await primaryFailure { throw failure }
            if let failure = await witnessFailure { throw failure }
            return nil
        }
        try await steps.run("start node1") { () async throws(WardenError) -> String? in
            try await startServer(primary)
            try await createDatabases(["repmgr", "demo"], on: primary)
            return "port \(primary.port)"
        }
        try await steps.run("register node1 as primary") { () async throws(WardenError) -> String? in
            let operation = PrimaryRegistration(configuration: try configuration(primary), force: false)
            try await operation.run(try await operation.prepare(report: Self.quiet), report: Self.quiet)
            return nil
        }
        let standbys = nodes.filter { $0.role == .standby }
        for (index, node) in standbys.enumerated() {
            let upstream = nodes.first { $0.id == node.upstreamID } ?? primary
            let cloneStep = "clone \(node.name) from \(upstream.name) (\(index + 1)/\(standbys.count))"
            try await steps.run(cloneStep) { () async throws(WardenError) -> String? in
                let operation = StandbyClone(
                    configuration: try configuration(node), upstream: try Conninfo(parsing: upstream.conninfo),
                    upstreamNodeID: upstream.id == primary.id ? nil : upstream.id, fastCheckpoint: true, force: false)
                let prepared = try await operation.prepare(report: Self.quiet)
                try await operation.run(prepared, report: Self.quiet) { update in
                    steps.progress(.progress(cloneStep, detail: update.summary))
                }
                try DemoFiles.writeServerSettings(for: node)
                return nil
            }
            try await steps.run("start \(node.name)") { () async throws(WardenError) -> String? in
                try await startServer(node)
                return "port \(node.port)"
            }
            try await steps.run("register \(node.name) as standby of \(upstream.name)") {
                () async throws(WardenError) -> String? in
                let operation = StandbyRegistration(
                    configuration: try configuration(node), upstreamNodeID: upstream.id, force: false,
                    waitStart: .seconds(30))
                try await operation.run(try await operation.prepare(report: Self.quiet), report: Self.quiet)
                return nil
            }
        }
        try await steps.run("start and register the witness") { () async throws(WardenError) -> String? in
            try await startServer(witness)
            try await createDatabases(["repmgr"], on: witness)
            let operation = WitnessRegistration(
                configuration: try configuration(witness), primaryConninfo: try Conninfo(parsing: primary.conninfo),
                force: false)
            try await operation.run(try await operation.prepare(report: Self.quiet), report: Self.quiet)
            return "port \(witness.port)"
        }
        if let pgbouncer {
            try await steps.run("start pgbouncer in front of node1") { () async throws(WardenError) -> String? in
                try pgbouncer.writeConfiguration(primary: primary)
                let identity = try await pgbouncer.start(environment: childEnvironment)
                supervisor.trackChild("pgbouncer", identity)
                return "port \(pgbouncer.port)"
            }
        } else {
            steps.progress(.skipped("pgbouncer", reason: "not installed (apt-get install pgbouncer)"))
        }
        try await steps.run("start a failover daemon per node") { () async throws(WardenError) -> String? in
            try await startDaemons()
            return "\(nodes.count) daemons reporting"
        }
        try await steps.run("start the write load") { () async throws(WardenError) -> String? in
            try await WriteLoad.createTable(on: primary)
            load.addWriter()
            return "a row every 100 ms into demo.demo_writes"
        }
    }

    private static let quiet: MessageSink = { _ in }

    private func configuration(_ node: DemoNode) throws(WardenError) -> NodeConfiguration {
        guard let configuration = configurations[node.id] else {
            throw WardenError("no configuration for \(node.name)", exitStatus: .badConfig)
        }
        return configuration
    }

    /// The environment of the daemons and pgbouncer: this process's, with TMPDIR inside the sandbox
    /// (private temporary files such as passfiles go there).
    private var childEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = directory + "/tmp"
        return environment
    }

    private static func makeDirectory(_ path: String) throws(WardenError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw WardenError("cannot create \(path): \(error.localizedDescription)", exitStatus: .badConfig)
        }
    }

    private func initdb(_ node: DemoNode) async -> WardenError? {
        let outcome = await ChildProcess.run(
            [
                installation.path("initdb"), "-D", node.dataDirectory, "--auth=trust", "-U", "repmgr", "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync", "--wal-segsize=1",
            ], timeout: .seconds(180))
        guard outcome.exitCode == 0 else {
            return WardenError(
                "initdb failed for \(node.name) (exit code \(outcome.exitCode))",
                detail: outcome.output.split(separator: "\n").suffix(8).joined(separator: "\n"), exitStatus: .badConfig)
        }
        do throws(WardenError) {
            try DemoFiles.writeServerSettings(for: node)
        } catch {
            return error
        }
        return nil
    }

    private func startServer(_ node: DemoNode) async throws(WardenError) {
        supervisor.trackServer(node.dataDirectory)
        do throws(WardenError) {
            try await NodeService(configuration: try configuration(node)).run(
                .start, checkpoint: false, report: Self.quiet)
        } catch {
            var failure = error
            if let log = DemoFiles.tail(node.serverLog) {
                failure.detail = [error.detail, "--- \(node.serverLog) ---", log].compactMap { $0 }.joined(
                    separator: "\n")
            }
            throw failure
        }
    }

    private func createDatabases(_ names: [String], on node: DemoNode) async throws(WardenError) {
        let connection = try await PostgresConnection.connect(
            try Conninfo(parsing: node.conninfo(database: "postgres")))
        for name in names where name.allSatisfy({ $0.isLetter && $0.isASCII }) {
            try await connection.query("CREATE DATABASE \(name)")
        }
    }

    private func startDaemons() async throws(WardenError) {
        var daemons: [(DemoNode, ProcessIdentity)] = []
        for node in nodes {
            let identity = try ChildLauncher.spawn(
                [executable, "daemon", "run", "-f", node.configPath], environment: childEnvironment,
                output: node.daemonOutput)
            supervisor.trackChild("daemon \(node.name)", identity)
            daemons.append((node, identity))
        }
        let primary = try Conninfo(parsing: nodes[0].conninfo)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            for (node, identity) in daemons where ChildLauncher.reap(identity.pid) {
                throw WardenError(
                    "the failover daemon of \(node.name) exited",
                    detail: DemoFiles.tail(node.daemonOutput) ?? DemoFiles.tail(node.daemonLog), exitStatus: .badConfig)
            }
            let reporting = try? await PostgresConnection.connect(primary, timeout: .seconds(2)).query(
                "SELECT count(*) AS n FROM repmgr.pgwarden_daemon WHERE pid IS NOT NULL", timeout: .seconds(2))
            if (reporting?.first?.int("n") ?? 0) >= nodes.count { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
        throw WardenError(
            "the failover daemons did not all report within 30 s",
            detail: nodes.compactMap { DemoFiles.tail($0.daemonLog, lines: 3) }.joined(separator: "\n"),
            exitStatus: .badConfig)
    }

    // MARK: - Faults

    /// Kills the current primary's postmaster with SIGKILL (a crash): the daemons fail over.
    public func killPrimary() async throws(WardenError) -> String {
        guard let primary = await currentPrimary() else {
            throw WardenError("no running primary was found to kill", exitStatus: .badConfig)
        }
        guard let postmaster = DemoTeardown.postmaster(of: primary.dataDirectory) else {
            throw WardenError("\(primary.name) has no running postmaster", exitStatus: .badConfig)
        }
        kill(postmaster.pid, SIGKILL)
        return "killed \(primary.name)'s postmaster (PID \(postmaster.pid)) with SIGKILL; watch the daemons fail over"
    }

    /// SIGSTOP to the node's postmaster (it hangs: connections open, nothing answers), or SIGCONT when
    /// it is hung already.
    public func toggleHang(nodeID: Int) async throws(WardenError) -> String {
        let node = try node(nodeID)
        guard let postmaster = DemoTeardown.postmaster(of: node.dataDirectory) else {
            throw WardenError("\(node.name) is not running", exitStatus: .badConfig)
        }
        let wasHung = hung.withLock { set in set.remove(nodeID) != nil }
        if wasHung {
            kill(postmaster.pid, SIGCONT)
            return "\(node.name) resumed (SIGCONT to postmaster \(postmaster.pid))"
        }
        kill(postmaster.pid, SIGSTOP)
        hung.withLock { _ = $0.insert(nodeID) }
        return "\(node.name) hangs (SIGSTOP to postmaster \(postmaster.pid)); press the key again to resume it"
    }

    /// Stops a running standby with pg_ctl, or starts a stopped one. A former primary is never started
    /// (it would be a second primary): it has to be rejoined first.
    public func toggleStandby(nodeID: Int) async throws(WardenError) -> String {
        let node = try node(nodeID)
        guard node.role != .witness else {
            throw WardenError("select a standby, not the witness", exitStatus: .badConfig)
        }
        let service = NodeService(configuration: try configuration(node))
        if DemoTeardown.postmaster(of: node.dataDirectory) != nil {
            if await currentPrimary()?.id == node.id {
                throw WardenError("\(node.name) is the primary; select a standby", exitStatus: .badConfig)
            }
            hung.withLock { _ = $0.remove(nodeID) }
            if let postmaster = DemoTeardown.postmaster(of: node.dataDirectory) { kill(postmaster.pid, SIGCONT) }
            try await service.run(.stop, checkpoint: false, report: Self.quiet)
            return "\(node.name) stopped (pg_ctl stop -m fast); press the key again to start it"
        }
        guard FileManager.default.fileExists(atPath: node.dataDirectory + "/standby.signal") else {
            throw WardenError(
                "\(node.name) is a stopped former primary; starting it would make a second primary",
                hint:
                    "rejoin it: pgwarden -f \(node.configPath) node rejoin -d '<new primary conninfo>' --force-rewind",
                exitStatus: .badConfig)
        }
        try await startServer(node)
        return "\(node.name) started (pg_ctl start)"
    }

    /// Adds one writer to the load (up to ``WriteLoad/maximumWriters``).
    public func addWriter() -> String {
        guard let count = load.addWriter() else {
            return "the write load already has \(WriteLoad.maximumWriters) writers"
        }
        return "write load: \(count) writers, \(load.rowsWritten) rows written so far"
    }

    private func node(_ nodeID: Int) throws(WardenError) -> DemoNode {
        guard let node = nodes.first(where: { $0.id == nodeID }) else {
            throw WardenError("node \(nodeID) is not one of the demo's nodes", exitStatus: .badConfig)
        }
        return node
    }

    /// The data node that runs and is not in recovery (a hung node does not count).
    private func currentPrimary() async -> DemoNode? {
        let hungNodes = hung.withLock { $0 }
        for node in nodes where node.role != .witness && !hungNodes.contains(node.id) {
            guard DemoTeardown.postmaster(of: node.dataDirectory) != nil,
                let conninfo = try? Conninfo(parsing: node.conninfo),
                let connection = try? await PostgresConnection.connect(conninfo, timeout: .seconds(1)),
                let result = try? await connection.query(
                    "SELECT pg_catalog.pg_is_in_recovery() AS recovery", timeout: .seconds(1)),
                result.first?.bool("recovery") == false
            else { continue }
            return node
        }
        return nil
    }
}
