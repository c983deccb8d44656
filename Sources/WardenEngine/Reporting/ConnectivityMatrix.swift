import Foundation

/// `cluster matrix` and `cluster crosscheck`: which node can reach which, seen from every node's own
/// host — without SSH.
///
/// **Matrix.** For each node *i* (all at once), pgwarden connects to *i*'s PostgreSQL server and,
/// through it (``ServerHost``, `COPY ... TO PROGRAM`), runs on *i*'s host one `pg_isready` per node *j*
/// (all at once, from the server's own bindir). Row *i* is what *i*'s host saw: `*` *j* accepts
/// connections, `x` it does not. A node whose server cannot be reached from here, or that cannot run
/// programs for the connecting user, has a row of `?`.
///
/// **Crosscheck.** The same matrix computed from every node's point of view, then merged. From node
/// *k*'s host (reached through *k*'s server), pgwarden connects with `psql` to each node *i* and asks *i*'s
/// host to probe every *j*; the view from here is the plain matrix. Cell (*i*, *j*) is the best any view
/// reported, as in repmgr: `*` if one saw it up, else `x` if one saw it down, else `?`. A node that only
/// this machine cannot reach is filled in by the others.
///
/// Exit status: 25 when a cell is `x` (or `?`), 12 when the only problem is that some reachable node
/// could not run the probes (repmgr's "inaccessible via SSH").
public struct ConnectivityMatrix: Sendable, Equatable {
    /// One cell, with repmgr's numeric codes (`--csv`).
    public enum Status: Int, Sendable, Comparable, Codable {
        case unknown = -2
        case unreachable = -1
        case reachable = 0

        /// `*`, `x` or `?`.
        public var symbol: String {
            switch self {
            case .reachable: "*"
            case .unreachable: "x"
            case .unknown: "?"
            }
        }

        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The nodes, in node ID order: rows and columns.
    public var nodes: [NodeRecord]
    /// `cells[row][column]`.
    public var cells: [[Status]]
    /// Problems met while building the matrix (shown after it).
    public var warnings: [String]
    /// True when a reachable node could not run the probes.
    public var channelFailed: Bool

    public init(nodes: [NodeRecord], cells: [[Status]]? = nil, warnings: [String] = [], channelFailed: Bool = false) {
        self.nodes = nodes
        self.cells = cells ?? Array(repeating: Array(repeating: .unknown, count: nodes.count), count: nodes.count)
        self.warnings = warnings
        self.channelFailed = channelFailed
    }

    /// The status of (`row`, `column`) by node ID.
    public func status(from row: Int, to column: Int) -> Status? {
        guard let rowIndex = nodes.firstIndex(where: { $0.nodeID == row }),
            let columnIndex = nodes.firstIndex(where: { $0.nodeID == column })
        else { return nil }
        return cells[rowIndex][columnIndex]
    }

    /// Merges views of the same nodes cell by cell, keeping the best status (repmgr's crosscheck rule).
    public static func merging(_ views: [ConnectivityMatrix], nodes: [NodeRecord]) -> ConnectivityMatrix {
        var merged = ConnectivityMatrix(nodes: nodes)
        for view in views {
            for (rowIndex, row) in nodes.enumerated() {
                for (columnIndex, column) in nodes.enumerated() {
                    if let status = view.status(from: row.nodeID, to: column.nodeID) {
                        merged.cells[rowIndex][columnIndex] = max(merged.cells[rowIndex][columnIndex], status)
                    }
                }
            }
        }
        merged.warnings = views.flatMap(\.warnings)
        merged.channelFailed = views.contains { $0.channelFailed }
        return merged
    }

    /// The table, formatted like repmgr's (` Name | ID | 1 | 2 ...`, rows ending in a space).
    public var lines: [String] {
        let headers = ["Name", "ID"] + nodes.map { String($0.nodeID) }
        let rows = nodes.enumerated().map { index, node in
            [node.nodeName, String(node.nodeID)] + cells[index].map(\.symbol)
        }
        return TextTable(headers: headers, rows: rows).lines(trailingSpaceOnRows: true)
    }

    /// `--csv`: `row_id,column_id,status` with status 0, -1 or -2.
    public var csvLines: [String] {
        nodes.enumerated().flatMap { rowIndex, row in
            nodes.enumerated().map { columnIndex, column in
                "\(row.nodeID),\(column.nodeID),\(cells[rowIndex][columnIndex].rawValue)"
            }
        }
    }

    public var exitStatus: ExitStatus {
        let all = cells.joined()
        if all.contains(.unreachable) { return .nodeStatus }
        if channelFailed { return .badSSH }
        if all.contains(.unknown) { return .nodeStatus }
        return .success
    }

    // MARK: - Building

    /// Builds the matrix: each node's row as seen from its own host.
    public static func matrix(via conninfo: Conninfo, report: @escaping MessageSink) async throws(WardenError)
        -> ConnectivityMatrix
    {
        let nodes = try await registeredNodes(via: conninfo, report: report)
        return await directView(of: nodes)
    }

    /// Builds the crosscheck: the matrix from every node's point of view (and from here), merged.
    public static func crosscheck(via conninfo: Conninfo, report: @escaping MessageSink) async throws(WardenError)
        -> ConnectivityMatrix
    {
        let nodes = try await registeredNodes(via: conninfo, report: report)
        let views = await withTaskGroup(of: ConnectivityMatrix.self) { group in
            group.addTask { await directView(of: nodes) }
            for viewer in nodes {
                group.addTask { await view(from: viewer, of: nodes) }
            }
            var collected: [ConnectivityMatrix] = []
            for await view in group { collected.append(view) }
            return collected
        }
        // Only the direct view reports warnings; the others' problems show as `?`.
        return merging(views, nodes: nodes)
    }

    static func registeredNodes(via conninfo: Conninfo, report: @escaping MessageSink) async throws(WardenError)
        -> [NodeRecord]
    {
        report(OperationMessage(.info, "connecting to database"))
        let catalog = try await ClusterConnector.connectWithMetadata(conninfo)
        let nodes = try await catalog.nodes()
        guard !nodes.isEmpty else {
            throw WardenError("unable to retrieve any node records", exitStatus: .badConfig)
        }
        return nodes
    }

    /// The matrix from here: every row probed through that row's own server.
    public static func directView(of nodes: [NodeRecord]) async -> ConnectivityMatrix {
        let rows = await withTaskGroup(of: (Int, [Status]?, [String], Bool).self) { group in
            for node in nodes {
                group.addTask {
                    let connection: PostgresConnection
                    do throws(WardenError) {
                        connection = try await PostgresConnection.connect(try Conninfo(parsing: node.conninfo))
                    } catch {
                        return (node.nodeID, nil, [], false)
                    }
                    do throws(WardenError) {
                        let output = try await ServerHost(connection: connection).run(
                            probeScript(row: node.nodeID, targets: nodes), timeout: .seconds(30))
                        var matrix = ConnectivityMatrix(nodes: nodes)
                        let warnings = matrix.apply(output)
                        let index = nodes.firstIndex { $0.nodeID == node.nodeID } ?? 0
                        return (node.nodeID, matrix.cells[index], warnings, false)
                    } catch {
                        return (
                            node.nodeID, nil,
                            [
                                "unable to run the probes on the host of \(node.label) through its server: \(error.message)"
                            ],
                            true
                        )
                    }
                }
            }
            var collected: [(Int, [Status]?, [String], Bool)] = []
            for await row in group { collected.append(row) }
            return collected
        }
        var matrix = ConnectivityMatrix(nodes: nodes)
        for (nodeID, cells, warnings, channelFailed) in rows.sorted(by: { $0.0 < $1.0 }) {
            if let cells, let index = nodes.firstIndex(where: { $0.nodeID == nodeID }) {
                matrix.cells[index] = cells
            }
            matrix.warnings += warnings
            if channelFailed { matrix.channelFailed = true }
        }
        return matrix
    }

    /// The matrix from `viewer`'s host: it connects to every node with `psql` and has each one probe all.
    /// All `?` when `viewer` cannot be reached from here.
    public static func view(from viewer: NodeRecord, of nodes: [NodeRecord]) async -> ConnectivityMatrix {
        var matrix = ConnectivityMatrix(nodes: nodes)
        do throws(WardenError) {
            let connection = try await PostgresConnection.connect(try Conninfo(parsing: viewer.conninfo))
            let output = try await ServerHost(connection: connection).run(
                crosscheckScript(targets: nodes), timeout: .seconds(60))
            _ = matrix.apply(output)
        } catch {
            // Unreachable viewers contribute nothing; the direct view reports unreachable nodes.
        }
        return matrix
    }

    /// Reads `pgwarden-probe ROW COLUMN EXITCODE` lines into the cells; returns warnings.
    mutating func apply(_ output: String) -> [String] {
        var warnings: [String] = []
        for line in output.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ")
            guard fields.count == 4, fields[0] == "pgwarden-probe", let row = Int(fields[1]),
                let column = Int(fields[2]), let code = Int(fields[3]),
                let rowIndex = nodes.firstIndex(where: { $0.nodeID == row }),
                let columnIndex = nodes.firstIndex(where: { $0.nodeID == column })
            else { continue }
            switch code {
            case 0:
                cells[rowIndex][columnIndex] = .reachable
            case 1, 2:
                cells[rowIndex][columnIndex] = .unreachable
            case 126, 127:
                warnings.append("pg_isready was not found on the host of \(nodes[rowIndex].label)")
            default:
                warnings.append(
                    "pg_isready on the host of \(nodes[rowIndex].label) could not check \(nodes[columnIndex].label) (exit code \(code))"
                )
            }
        }
        return warnings
    }

    // MARK: - Scripts

    /// Inside a shell started by the server, `$PPID` is the backend; its executable is in the bindir.
    static func locateProgram(_ name: String, as variable: String) -> String {
        "\(variable)=\"$(dirname \"$(readlink -f /proc/$PPID/exe 2>/dev/null)\" 2>/dev/null)/\(name)\"; "
            + "[ -x \"$\(variable)\" ] || \(variable)=\(name)"
    }

    /// The conninfo pg_isready and psql use on a node's host to reach `node`: its conninfo without a
    /// password, with a connect_timeout (2 s unless it sets one).
    static func probeConninfo(_ node: NodeRecord) -> Conninfo? {
        guard var conninfo = try? Conninfo(parsing: node.conninfo) else { return nil }
        conninfo["password"] = nil
        if conninfo.connectTimeoutSeconds == nil { conninfo["connect_timeout"] = "2" }
        return conninfo
    }

    /// Probes every target from the host it runs on, at once; prints `pgwarden-probe ROW COLUMN CODE`.
    static func probeScript(row: Int, targets: [NodeRecord]) -> String {
        var lines = [locateProgram("pg_isready", as: "pgwarden_isready")]
        for target in targets {
            guard let conninfo = probeConninfo(target) else { continue }
            let seconds = conninfo.connectTimeoutSeconds ?? 2
            lines.append(
                "( \"$pgwarden_isready\" -q -d \(ShellQuoting.quote(conninfo.connectionString)) -t \(seconds) "
                    + ">/dev/null 2>&1; echo \"pgwarden-probe \(row) \(target.nodeID) $?\" ) &")
        }
        lines.append("wait")
        return lines.joined(separator: "\n")
    }

    /// The statements psql runs on a node to have its host run `program` and hand back the output. The
    /// values come in as psql variables (`:'prog'`), which psql quotes as SQL literals.
    static let remoteRunSQL = """
        SELECT pg_catalog.set_config('pgwarden.program', :'prog', false) IS NULL AS ignored;
        DO $pgwarden$ BEGIN EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', current_setting('pgwarden.program')); END $pgwarden$;
        SELECT pg_catalog.pg_read_file(:'out');
        SELECT pg_catalog.set_config('pgwarden.program', :'cleanup', false) IS NULL AS ignored;
        DO $pgwarden$ BEGIN EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', current_setting('pgwarden.program')); END $pgwarden$;
        """

    /// Run on a viewer's host: for every node at once, psql to it and run the probe script on its host.
    static func crosscheckScript(targets: [NodeRecord]) -> String {
        var lines = [locateProgram("psql", as: "pgwarden_psql")]
        for row in targets {
            // No password travels to another host: psql there authenticates as that host's user does
            // (~/.pgpass, certificates, trust).
            guard let connection = probeConninfo(row) else { continue }
            let outputFile = "/tmp/pgwarden-probe-\(UUID().uuidString).out"
            let program =
                "cat >/dev/null; ( \(probeScript(row: row.nodeID, targets: targets)) ) >\(ShellQuoting.quote(outputFile)) 2>&1; "
                + "chmod 600 \(ShellQuoting.quote(outputFile))"
            let cleanup = "cat >/dev/null; rm -f \(ShellQuoting.quote(outputFile))"
            lines.append(
                "( \"$pgwarden_psql\" -X -q -A -t -v ON_ERROR_STOP=1 -d \(ShellQuoting.quote(connection.connectionString)) "
                    + "-v prog=\(ShellQuoting.quote(program)) -v out=\(ShellQuoting.quote(outputFile)) "
                    + "-v cleanup=\(ShellQuoting.quote(cleanup)) 2>/dev/null <<'PGWARDEN_SQL'\n\(remoteRunSQL)\nPGWARDEN_SQL\n) &"
            )
        }
        lines.append("wait")
        return lines.joined(separator: "\n")
    }
}
