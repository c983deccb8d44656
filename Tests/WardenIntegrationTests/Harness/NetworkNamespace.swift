import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A Linux network namespace that a test created itself (`ip netns add pgw-<run>-<label>`), with its
/// loopback up. Commands run inside it with ``commandPrefix`` (`ip netns exec NAME`) in front of them —
/// before `runuser`, since entering a namespace needs root; see `ProcessRunner`'s `wrapper:`.
///
/// Only ``NamespaceSwitch`` creates these, so that every namespace belongs to one run and is deleted with it.
/// Nothing here touches the machine's own namespace: links are created directly inside the namespaces.
final class NetworkNamespace: @unchecked Sendable {
    /// `pgw-<run>-<label>`.
    let name: String

    fileprivate init(name: String) throws {
        self.name = name
        try NetworkNamespace.ip(["netns", "add", name])
        try NetworkNamespace.ip(["-n", name, "link", "set", "lo", "up"])
    }

    /// `ip netns exec NAME`: put it in front of a command (and of `runuser`) to run that command inside.
    var commandPrefix: [String] { [NetworkNamespace.ipPath, "netns", "exec", name] }

    /// Runs `ip -n NAME <arguments>` and throws when it fails.
    @discardableResult
    func ip(_ arguments: [String]) throws -> CommandResult {
        try NetworkNamespace.ip(["-n", name] + arguments)
    }

    /// Runs `argv` inside the namespace (as `asUser`, through `runuser`, when given).
    func run(_ argv: [String], asUser: String? = nil, timeout: Duration = .seconds(60)) throws -> CommandResult {
        try ProcessRunner.run(argv, asUser: asUser, timeout: timeout, wrapper: commandPrefix)
    }

    /// `ip netns del NAME`. Processes still inside keep the namespace alive, anonymously, until they exit.
    fileprivate func delete() {
        _ = try? ProcessRunner.run([NetworkNamespace.ipPath, "netns", "del", name], timeout: .seconds(30))
    }

    static let ipPath: String =
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { access($0, X_OK) == 0 } ?? "ip"

    @discardableResult
    static func ip(_ arguments: [String]) throws -> CommandResult {
        try ProcessRunner.run([ipPath] + arguments, timeout: .seconds(30)).check()
    }

    /// Why this machine cannot run namespace tests, or nil when it can: they need root (CAP_SYS_ADMIN and
    /// CAP_NET_ADMIN), iproute2, and a kernel with network namespaces, veth and bridges. Answered once, by
    /// really building (and deleting) a two-namespace switch.
    static let unsupportedReason: String? = {
        guard geteuid() == 0 else { return "network namespace tests need root (ip netns add)" }
        guard access(ipPath, X_OK) == 0 else { return "iproute2's ip is not installed" }
        do {
            let probe = try NamespaceSwitch(subnet: "10.213.255")
            defer { probe.teardown() }
            _ = try probe.addNode("a", host: 1)
            _ = try probe.addNode("b", host: 2)
            return nil
        } catch {
            return "cannot build a private namespace network: \(error)"
        }
    }()
}

/// A private network for one test: a "switch" namespace holding a bridge, and one namespace per node plugged
/// into it with a veth pair (`eth0` inside the node, `p-<label>` on the bridge) and an address
/// `<subnet>.<host>/24`. The addresses exist only inside these namespaces; nothing is routed anywhere else.
///
/// ``cut(_:_:)`` partitions exactly two nodes from each other and from nothing else: both bridge ports are
/// marked `isolated` (bridge port isolation: isolated ports cannot exchange frames with each other, only with
/// non-isolated ports). Frames between them, ARP included, are dropped silently by the switch, as on a real
/// broken link; existing TCP connections simply stop getting answers. ``heal()`` clears the flags. (tc drop
/// filters would do the same, but this kernel has no u32/flower classifier nor gact action.)
///
/// ``teardown()`` (also `deinit`) deletes every namespace of the run; a watchdog (`/bin/sh` in its own session)
/// does it too if the test process dies first, from the list in `/tmp/pgwarden-netns-<run>.list`.
final class NamespaceSwitch: @unchecked Sendable {
    /// Random, so that names are unique per test run: `pgw-<run>-sw`, `pgw-<run>-<label>`.
    let run: String
    /// The first three octets, for example `10.213.0`.
    let subnet: String
    private let switchNamespace: NetworkNamespace
    private let lock = NSLock()
    private var nodes: [String: (namespace: NetworkNamespace, address: String)] = [:]
    private var order: [String] = []
    private var cutPair: (String, String)?
    private var isolated: String?
    private var torndown = false
    private let listFile: String
    private var watchdog: pid_t?

    /// Creates the switch namespace with its bridge. `subnet` is three octets ("10.213.0").
    init(subnet: String = "10.213.0") throws {
        run = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        self.subnet = subnet
        listFile = "/tmp/pgwarden-netns-\(run).list"
        // Record the name before creating it, so that the watchdog also deletes a half-built network.
        try Self.writeList(listFile, ["pgw-\(run)-sw"])
        let watchdog = Self.startWatchdog(listFile: listFile)
        do {
            let namespace = try NetworkNamespace(name: "pgw-\(run)-sw")
            try namespace.ip(["link", "add", "br0", "type", "bridge"])
            try namespace.ip(["link", "set", "br0", "up"])
            switchNamespace = namespace
        } catch {
            Self.deleteNamespaces(["pgw-\(run)-sw"])
            Self.stop(watchdog)
            unlink(listFile)
            throw error
        }
        self.watchdog = watchdog
    }

    deinit { teardown() }

    /// The CIDR of the network, for `pg_hba.conf`.
    var network: String { "\(subnet).0/24" }

    /// Creates node `label`'s namespace, plugs it into the switch and gives it `<subnet>.<host>`.
    @discardableResult
    func addNode(_ label: String, host: Int) throws -> NetworkNamespace {
        guard !label.isEmpty, label.count <= 8, label.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            throw HarnessError("namespace label \"\(label)\" must be 1-8 letters or digits")
        }
        guard (1...254).contains(host) else { throw HarnessError("host number \(host) is not in 1...254") }
        let name = "pgw-\(run)-\(label)"
        let address = "\(subnet).\(host)"
        try lock.withLock {
            guard !torndown else { throw HarnessError("the namespace switch \(run) was torn down") }
            guard nodes[label] == nil else { throw HarnessError("namespace \(label) exists already") }
            order.append(name)
            try Self.writeList(listFile, ["pgw-\(run)-sw"] + order)
        }
        let namespace = try NetworkNamespace(name: name)
        lock.withLock { nodes[label] = (namespace, address) }
        let port = "p-\(label)"
        try NetworkNamespace.ip([
            "link", "add", "eth0", "netns", name, "type", "veth", "peer", "name", port, "netns", switchNamespace.name,
        ])
        try switchNamespace.ip(["link", "set", port, "master", "br0"])
        try switchNamespace.ip(["link", "set", port, "up"])
        try namespace.ip(["addr", "add", "\(address)/24", "dev", "eth0"])
        try namespace.ip(["link", "set", "eth0", "up"])
        return namespace
    }

    /// Node `label`'s namespace.
    func namespace(_ label: String) throws -> NetworkNamespace {
        guard let node = lock.withLock({ nodes[label] }) else { throw HarnessError("no namespace \(label)") }
        return node.namespace
    }

    /// Node `label`'s address.
    func address(_ label: String) throws -> String {
        guard let node = lock.withLock({ nodes[label] }) else { throw HarnessError("no namespace \(label)") }
        return node.address
    }

    /// Cuts the link between `a` and `b` (and only that one). One cut at a time.
    func cut(_ a: String, _ b: String) throws {
        guard a != b else { throw HarnessError("cannot cut \(a) from itself") }
        _ = try namespace(a)
        _ = try namespace(b)
        try lock.withLock {
            if let current = cutPair { throw HarnessError("\(current.0)-\(current.1) is already cut") }
            cutPair = (a, b)
        }
        for label in [a, b] {
            try switchNamespace.ip(["link", "set", "dev", "p-\(label)", "type", "bridge_slave", "isolated", "on"])
        }
    }

    /// Cuts `label` off from every other node: its switch port goes down, so its packets are
    /// dropped without a reset (what a failed link or switch does). ``heal()`` restores it.
    func isolate(_ label: String) throws {
        _ = try namespace(label)
        try lock.withLock {
            if let current = cutPair { throw HarnessError("\(current.0)-\(current.1) is already cut") }
            if let current = isolated { throw HarnessError("\(current) is already isolated") }
            isolated = label
        }
        try switchNamespace.ip(["link", "set", "dev", "p-\(label)", "down"])
    }

    /// Restores the link cut by ``cut(_:_:)`` or the node cut off by ``isolate(_:)``.
    func heal() throws {
        if let label = lock.withLock({ isolated }) {
            try switchNamespace.ip(["link", "set", "dev", "p-\(label)", "up"])
            lock.withLock { isolated = nil }
        }
        guard let (a, b) = lock.withLock({ cutPair }) else { return }
        for label in [a, b] {
            try switchNamespace.ip(["link", "set", "dev", "p-\(label)", "type", "bridge_slave", "isolated", "off"])
        }
        lock.withLock { cutPair = nil }
    }

    /// Deletes the node namespaces and the switch (which takes the veth pairs with it). Stop the servers and
    /// daemons running inside first. Safe to call more than once.
    func teardown() {
        let names: [String]? = lock.withLock {
            guard !torndown else { return nil }
            torndown = true
            return order.reversed() + [switchNamespace.name]
        }
        guard let names else { return }
        Self.deleteNamespaces(names)
        stopWatchdog()
        unlink(listFile)
    }

    // MARK: - Helpers

    private static func deleteNamespaces(_ names: [String]) {
        for name in names {
            _ = try? ProcessRunner.run([NetworkNamespace.ipPath, "netns", "del", name], timeout: .seconds(30))
        }
    }

    private static func writeList(_ path: String, _ names: [String]) throws {
        let temporary = path + ".new"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data((names.joined(separator: "\n") + "\n").utf8)),
            rename(temporary, path) == 0
        else { throw HarnessError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    /// Waits for this process to die, then deletes the namespaces named in `listFile` (only `pgw-*` names).
    private static func startWatchdog(listFile: String) -> pid_t? {
        let script = """
            owner=$1 list=$2 ip=$3
            while kill -0 "$owner" 2>/dev/null; do sleep 0.5; done
            [ -f "$list" ] || exit 0
            while read -r name; do
              case "$name" in pgw-*) "$ip" netns del "$name" 2>/dev/null ;; esac
            done < "$list"
            rm -f -- "$list"
            """
        return try? ProcessRunner.spawn(
            ["/bin/sh", "-c", script, "pgwarden-netns-watchdog", "\(getpid())", listFile, NetworkNamespace.ipPath],
            workingDirectory: "/", newSession: true)
    }

    private func stopWatchdog() {
        let pid = lock.withLock { () -> pid_t? in
            defer { watchdog = nil }
            return watchdog
        }
        Self.stop(pid)
    }

    private static func stop(_ watchdog: pid_t?) {
        guard let watchdog else { return }
        kill(watchdog, SIGKILL)
        var status: Int32 = 0
        while waitpid(watchdog, &status, 0) == -1 && errno == EINTR {}
    }
}
