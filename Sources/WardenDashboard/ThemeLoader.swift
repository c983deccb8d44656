import Foundation
import WardenTerminal
import Yams

/// Finds and parses theme files: YAML documents with a `name`, an optional `palette` of named
/// colours and a `roles` map from ``ThemeRole`` names to `{fg, bg, bold, dim, reverse, underline, mono}`.
///
/// Directories searched, later ones overriding earlier ones by theme name: the shipped `Themes/`
/// (`$PGWARDEN_THEMES_DIR`, next to the executable's `share/pgwarden/themes`, the source checkout),
/// then the user's `$XDG_CONFIG_HOME/pgwarden/themes` (default `~/.config/pgwarden/themes`).
public enum ThemeLoader {
    /// The theme used when none is asked for.
    public static let defaultName = "default-dark"

    /// Every theme found, sorted with the default first, plus a message for each file that could not be used.
    public static func loadAll(environment: [String: String]) -> (themes: [Theme], problems: [ThemeError]) {
        var byName: [String: Theme] = [:]
        var problems: [ThemeError] = []
        for directory in searchDirectories(environment: environment) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for file in files.sorted() where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
                let path = directory + "/" + file
                switch load(path: path) {
                case .success(let theme): byName[theme.name] = theme
                case .failure(let problem): problems.append(problem)
                }
            }
        }
        let themes = byName.values.sorted { lhs, rhs in
            if lhs.name == defaultName { return true }
            if rhs.name == defaultName { return false }
            return lhs.name < rhs.name
        }
        return (themes.isEmpty ? [.fallback] : themes, problems)
    }

    /// The directories searched, in order, that exist.
    public static func searchDirectories(environment: [String: String]) -> [String] {
        var candidates: [String] = []
        if let explicit = environment["PGWARDEN_THEMES_DIR"], !explicit.isEmpty {
            candidates.append(explicit)
        } else {
            let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
            let binDirectory = executable.deletingLastPathComponent()
            candidates.append(binDirectory.appendingPathComponent("../share/pgwarden/themes").standardized.path)
            candidates.append(binDirectory.appendingPathComponent("Themes").path)
            candidates.append("/usr/local/share/pgwarden/themes")
            candidates.append("/usr/share/pgwarden/themes")
            let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../Themes").standardized.path
            candidates.append(checkout)
        }
        let configHome =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { $0 + "/.config" }
        if let configHome { candidates.append(configHome + "/pgwarden/themes") }
        var seen: Set<String> = []
        return candidates.filter { path in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue
            else { return false }
            return seen.insert(path).inserted
        }
    }

    /// Reads and parses one theme file.
    public static func load(path: String) -> Result<Theme, ThemeError> {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            return .failure(ThemeError("theme file \(path): cannot be read as UTF-8 text"))
        }
        let fallbackName = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        do {
            return .success(try parse(text, source: path, fallbackName: fallbackName))
        } catch {
            return .failure(error)
        }
    }

    private struct ThemeFile: Decodable {
        var name: String?
        var description: String?
        var palette: [String: String]?
        var roles: [String: RoleFile]?
    }

    private struct RoleFile: Decodable {
        var fg: String?
        var bg: String?
        var bold: Bool?
        var dim: Bool?
        var reverse: Bool?
        var underline: Bool?
        var mono: [String]?
    }

    /// Parses a theme document; `source` names it in error messages.
    public static func parse(_ text: String, source: String, fallbackName: String) throws(ThemeError) -> Theme {
        let file: ThemeFile
        do {
            file = try YAMLDecoder().decode(ThemeFile.self, from: text)
        } catch let error as DecodingError {
            throw ThemeError("theme file \(source): \(describe(error))")
        } catch {
            throw ThemeError("theme file \(source): not valid YAML: \(error)")
        }
        guard let roles = file.roles, !roles.isEmpty else {
            throw ThemeError("theme file \(source): no \"roles\" map (expected roles such as text, ok, critical)")
        }
        let palette = file.palette ?? [:]
        var styles: [ThemeRole: Style] = [:]
        var monochrome: [ThemeRole: TextAttributes] = [:]
        for (roleName, spec) in roles {
            guard let role = ThemeRole(rawValue: roleName) else {
                let known = ThemeRole.allCases.map(\.rawValue).joined(separator: ", ")
                throw ThemeError("theme file \(source): unknown role \"\(roleName)\" (known roles: \(known))")
            }
            func color(_ value: String?, _ what: String) throws(ThemeError) -> TerminalColor {
                guard let value else { return .terminalDefault }
                if let named = palette[value], let parsed = TerminalColor(parsing: named) { return parsed }
                guard let parsed = TerminalColor(parsing: value) else {
                    throw ThemeError(
                        "theme file \(source): role \"\(roleName)\": unknown \(what) colour \"\(value)\" "
                            + "(use default, #rrggbb, 0-255, an ANSI name or a palette name)")
                }
                return parsed
            }
            var attributes: TextAttributes = []
            if spec.bold == true { attributes.insert(.bold) }
            if spec.dim == true { attributes.insert(.dim) }
            if spec.reverse == true { attributes.insert(.reverse) }
            if spec.underline == true { attributes.insert(.underline) }
            var mono: TextAttributes = []
            for name in spec.mono ?? [] {
                guard let parsed = TextAttributes(name: name) else {
                    throw ThemeError(
                        "theme file \(source): role \"\(roleName)\": unknown attribute \"\(name)\" in mono "
                            + "(use bold, dim, reverse, underline)")
                }
                mono.insert(parsed)
            }
            styles[role] = Style(
                foreground: try color(spec.fg, "foreground"), background: try color(spec.bg, "background"),
                attributes: attributes)
            monochrome[role] = mono
        }
        return Theme(
            name: file.name ?? fallbackName, description: file.description ?? "", source: source, styles: styles,
            monochromeAttributes: monochrome)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }
            return keys.isEmpty ? "" : " at \(keys.joined(separator: "."))"
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
            .dataCorrupted(let context):
            let underlying = context.underlyingError.map { ": \($0)" } ?? ""
            return "\(context.debugDescription)\(path(context))\(underlying)"
        @unknown default:
            return "\(error)"
        }
    }
}
