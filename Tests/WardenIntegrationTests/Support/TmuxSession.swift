import Foundation

/// A program running in a private tmux server (its own `-L` socket, a fixed size), driven
/// with send-keys and read with capture-pane, for end-to-end tests of the dashboard.
///
/// tmux is started through ``ProcessRunner`` (posix_spawn with an empty signal mask, output to
/// files), so the tmux server and the program get SIGWINCH and SIGTERM and no pipe is left open.
/// ``kill()`` stops only this server (`kill-server` on its own socket).
final class TmuxSession: @unchecked Sendable {
    let socket: String
    let name = "dash"

    /// Starts `command` (a shell command line) in `directory`, in a new detached session of `width`×`height`.
    /// When the command ends, the pane prints `EXIT=<status>` and stays open for inspection.
    init(command: String, width: Int, height: Int, directory: String, environment: [String: String] = [:]) throws {
        socket = "pgwarden-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var arguments = ["new-session", "-d", "-s", name, "-x", String(width), "-y", String(height), "-c", directory]
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) {
            arguments += ["-e", "\(key)=\(value)"]
        }
        arguments.append("\(command); echo EXIT=$?; sleep 600")
        let result = try tmux(arguments)
        guard result.exitCode == 0 else { throw HarnessError("tmux new-session failed:\n\(result)") }
        _ = try tmux(["set-option", "-t", name, "status", "off"])
        _ = try tmux(["resize-window", "-t", name, "-x", String(width), "-y", String(height)])
    }

    deinit { kill() }

    @discardableResult
    func tmux(_ arguments: [String]) throws -> CommandResult {
        try ProcessRunner.run(["tmux", "-L", socket] + arguments, timeout: .seconds(15))
    }

    /// The pane as plain text, one string per row.
    func capture() throws -> [String] {
        let result = try tmux(["capture-pane", "-t", name, "-p"])
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// The pane with its SGR colour escapes (`capture-pane -e`), for screenshots.
    func captureEscapes() throws -> String {
        try tmux(["capture-pane", "-t", name, "-p", "-e", "-N"]).stdout
    }

    /// Sends keys as tmux names them (`q`, `Escape`, `Enter`, `Tab`, `Up`) or literal text with `literal`.
    func send(_ keys: String..., literal: Bool = false) throws {
        _ = try tmux(["send-keys", "-t", name] + (literal ? ["-l"] : []) + keys)
    }

    func resize(width: Int, height: Int) throws {
        _ = try tmux(["resize-window", "-t", name, "-x", String(width), "-y", String(height)])
    }

    /// Polls the pane until `condition` holds; returns the matching capture, or throws with the last one.
    @discardableResult
    func waitFor(
        _ what: String, timeout: Duration = .seconds(20), _ condition: ([String]) -> Bool
    ) async throws -> [String] {
        var last: [String] = []
        do {
            try await Polling.until(what, timeout: timeout, interval: .milliseconds(100)) {
                last = try self.capture()
                return condition(last)
            }
        } catch {
            throw HarnessError("\(error)\n--- last screen ---\n\(last.joined(separator: "\n"))")
        }
        return last
    }

    /// The PID of the process named `command` (its `comm`) that runs under this session's pane.
    func descendant(named command: String) throws -> pid_t? {
        let panePID = try tmux(["display-message", "-p", "-t", name, "#{pane_pid}"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let root = pid_t(panePID) else { return nil }
        var parents: [pid_t: pid_t] = [:]
        var names: [pid_t: String] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            names[pid] = String(stat[stat.index(after: open)..<close])
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { parents[pid] = parent }
        }
        return names.first { pid, comm in
            guard comm == command else { return false }
            var current = pid
            while let parent = parents[current], parent > 1 {
                if parent == root { return true }
                current = parent
            }
            return false
        }?.key
    }

    /// Stops this tmux server (and the program in it).
    func kill() {
        _ = try? ProcessRunner.run(["tmux", "-L", socket, "kill-server"], timeout: .seconds(10))
    }
}
