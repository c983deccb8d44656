import Foundation

/// The themes a session starts with and which one is shown first, with a notice for every
/// theme file that could not be used (the dashboard then falls back to the default).
public struct ThemeSelection: Sendable {
    public var themes: [Theme]
    public var index: Int
    public var problems: [String]

    public static func resolve(requested: String?, environment: [String: String]) -> ThemeSelection {
        var (themes, errors) = ThemeLoader.loadAll(environment: environment)
        var problems = errors.map(\.message)
        var index = 0
        if let requested, !requested.isEmpty {
            if requested.contains("/") || requested.hasSuffix(".yaml") || requested.hasSuffix(".yml") {
                switch ThemeLoader.load(path: requested) {
                case .success(let theme):
                    themes.removeAll { $0.name == theme.name }
                    themes.insert(theme, at: 0)
                case .failure(let error):
                    problems.append("\(error.message); using \(themes[0].name)")
                }
            } else if let found = themes.firstIndex(where: { $0.name == requested }) {
                index = found
            } else {
                let available = themes.map(\.name).joined(separator: ", ")
                problems.append("theme \"\(requested)\" not found (available: \(available)); using \(themes[0].name)")
            }
        }
        return ThemeSelection(themes: themes, index: index, problems: problems)
    }
}
