import Foundation

/// The returning-primary guard's best case: a former primary whose server is down while another
/// node was promoted. Its daemon (still running, on the same host, as the data directory's owner)
/// writes standby.signal and the new primary's `primary_conninfo` into the data directory, so that
/// a plain `pg_ctl start` brings the server up in recovery — read-only from its first second, not a
/// single write accepted. Whether it can then stream (its timeline may have diverged) is for a
/// rejoin to settle; it never runs as a second primary.
enum StoppedPrimaryFence {
    /// Whether a postmaster runs on `dataDirectory`: postmaster.pid names a live process.
    static func serverRunning(dataDirectory: String) -> Bool {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let firstLine = text.split(separator: "\n").first, let pid = Int32(firstLine), pid > 0
        else { return false }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        // A killed postmaster that its parent has not reaped yet is a zombie: it no longer runs.
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let nameEnd = stat.lastIndex(of: ")")
        {
            let state = stat[stat.index(after: nameEnd)...].first { $0 != " " }
            if state == "Z" || state == "X" { return false }
        }
        return true
    }

    /// The postmaster's PID from postmaster.pid, when it names a live process.
    static func postmasterPID(dataDirectory: String) -> pid_t? {
        guard serverRunning(dataDirectory: dataDirectory),
            let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let firstLine = text.split(separator: "\n").first, let pid = Int32(firstLine), pid > 0
        else { return nil }
        return pid
    }

    /// Marks the data directory as fenced by its daemon for the lease of `term`: an empty
    /// standby.signal, so that whoever starts the server next starts it in recovery (read-only),
    /// and `pgwarden_lease_fence` with the term, so that the next daemon knows why.
    static func markLeaseFence(dataDirectory: String, term: Int) {
        for (name, text) in [("standby.signal", ""), (leaseFenceMarker, String(term) + "\n")] {
            let descriptor = open(
                dataDirectory + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { continue }
            _ = text.withCString { write(descriptor, $0, strlen($0)) }
            close(descriptor)
        }
    }

    /// The term the data directory was fenced for by its daemon's lease, if it was.
    static func leaseFenceTerm(dataDirectory: String) -> Int? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/" + leaseFenceMarker, encoding: .utf8) else {
            return nil
        }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Removes the lease-fence marker (the server resumed, or was rejoined).
    static func clearLeaseFence(dataDirectory: String) {
        unlink(dataDirectory + "/" + leaseFenceMarker)
    }

    private static let leaseFenceMarker = "pgwarden_lease_fence"

    /// Stops the postmaster of `dataDirectory` by signal, from the same host: fast shutdown
    /// first (every session is terminated at once, so no commit after it), immediate shutdown
    /// after 1 s, SIGKILL after 0.5 s more (a postmaster stopped with SIGSTOP handles no other
    /// signal; its sessions end when it dies). Returns what it took, for the log.
    static func stopPostmaster(dataDirectory: String) async -> String {
        guard let pid = postmasterPID(dataDirectory: dataDirectory) else { return "the server was not running" }
        let started = ContinuousClock.now
        for (signal, grace, name) in [
            (SIGINT, 1000, "fast shutdown"), (SIGQUIT, 500, "immediate shutdown"), (SIGKILL, 2000, "SIGKILL"),
        ] {
            kill(pid, signal)
            let deadline = ContinuousClock.now + .milliseconds(grace)
            while ContinuousClock.now < deadline {
                if !serverRunning(dataDirectory: dataDirectory) {
                    return "server stopped by \(name) in \((ContinuousClock.now - started).secondsText)"
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        return "the postmaster (PID \(pid)) did not stop"
    }

    /// Whether the data directory already starts as a standby.
    static func startsAsStandby(dataDirectory: String) -> Bool {
        FileManager.default.fileExists(atPath: dataDirectory + "/standby.signal")
    }

    /// Sets the stopped data directory of `me` up to start as a standby of `newPrimary`.
    static func prepare(
        configuration: NodeConfiguration, me: NodeRecord, newPrimary: NodeRecord, term: Int
    ) throws(WardenError) {
        var follower = me
        follower.type = .standby
        follower.upstreamNodeID = newPrimary.nodeID
        if follower.slotName == nil && configuration.useReplicationSlots {
            follower.slotName = NodeRecord.defaultSlotName(nodeID: me.nodeID)
        }
        let conninfo = try ReplicationSource.primaryConninfo(upstream: newPrimary, follower: follower)
        do {
            try StandbySettingsFile.write(
                into: configuration.dataDirectory, primaryConninfo: conninfo, slotName: follower.slotName,
                writtenBy: "daemon: fenced after \(newPrimary.label) was promoted in term \(term)")
        } catch {
            throw WardenError(
                "unable to prepare the data directory \"\(configuration.dataDirectory)\" to start as a standby: "
                    + error.localizedDescription,
                hint: "do not start this server before it is rejoined: \"pgwarden node rejoin --force-rewind\"",
                exitStatus: .internalError)
        }
    }
}
