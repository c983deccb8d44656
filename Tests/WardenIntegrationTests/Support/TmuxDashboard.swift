import Foundation

/// Starts `pgwarden dashboard` for a ``PgwardenCluster`` inside a ``TmuxSession``: as the server
/// user (as an operator on a node would run it), from the sandbox, with the repository's theme
/// files copied where that user can read them, a UTF-8 locale and a 256-colour terminal.
enum TmuxDashboard {
    /// The repository's `Themes/` directory.
    static var repositoryThemes: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Themes")
            .standardized.path
    }

    /// Copies the theme files into the sandbox once and returns that directory.
    static func themesDirectory(in cluster: PgwardenCluster) throws -> String {
        let target = cluster.sandbox.subpath("themes")
        if FileManager.default.fileExists(atPath: target) { return target }
        try cluster.sandbox.makeDirectory("themes")
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryThemes)
        for file in files where file.hasSuffix(".yaml") {
            let text = try String(contentsOfFile: repositoryThemes + "/" + file, encoding: .utf8)
            try cluster.sandbox.writeFile("themes/" + file, contents: text)
        }
        return target
    }

    /// `pgwarden dashboard -f nodeN.conf <arguments>` in a new tmux server of `width`×`height`.
    static func start(
        _ cluster: PgwardenCluster, node: Int = 1, arguments: [String], width: Int, height: Int,
        environment: [String: String] = [:]
    ) throws -> TmuxSession {
        let user = cluster.sandbox.serverUser.name
        var variables = [
            "LANG": "C.UTF-8", "TERM": "xterm-256color", "PGWARDEN_THEMES_DIR": try themesDirectory(in: cluster),
            "HOME": cluster.sandbox.path,
        ]
        for (key, value) in environment { variables[key] = value }
        let assignments = variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var words = SystemUser.isCurrent(user) ? [] : ["runuser", "-u", user, "--"]
        // The test runner's own environment may ask for no colour (NO_COLOR); the dashboard gets only what is set here.
        let unset = ["NO_COLOR", "PGWARDEN_COLORS", "PGWARDEN_ASCII"].filter { variables[$0] == nil }.flatMap {
            ["-u", $0]
        }
        words +=
            ["env"] + unset + assignments + [cluster.binary, "dashboard", "-f", cluster.configPath(node)] + arguments
        let command = words.map(shellQuoted).joined(separator: " ")
        return try TmuxSession(command: command, width: width, height: height, directory: cluster.sandbox.path)
    }

    static func shellQuoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
