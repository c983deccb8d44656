import Foundation
import Testing
import WardenDashboard
import WardenTerminal

/// The shipped theme files, the loader's errors and fallbacks, and monochrome adaptation.
@Suite("Dashboard themes")
struct ThemeTests {
    let environment = ["PGWARDEN_THEMES_DIR": DashboardFixtures.repositoryThemes]

    @Test("the five shipped themes load and style every role")
    func shipped() {
        let (themes, problems) = ThemeLoader.loadAll(environment: environment)
        #expect(problems.isEmpty, "\(problems)")
        #expect(themes.map(\.name) == ["default-dark", "colorblind-safe", "high-contrast", "light", "monochrome"])
        for theme in themes where theme.name != "monochrome" {
            #expect(theme[.critical] != theme[.ok], "\(theme.name): critical looks like ok")
            #expect(theme[.selection] != theme[.text], "\(theme.name): selection looks like text")
        }
        let mono = themes.first { $0.name == "monochrome" }
        #expect(mono?[.critical].foreground == .terminalDefault)
        #expect(mono?[.selection].attributes == .reverse)
    }

    @Test("the colour-blind-safe theme never shows ok in green or critical in red hue pairs")
    func colorBlind() throws {
        let theme = try #require(
            ThemeLoader.loadAll(environment: environment).themes.first { $0.name == "colorblind-safe" })
        #expect(theme[.ok].foreground == .rgb(0x56, 0xB4, 0xE9))
        #expect(theme[.critical].foreground == .rgb(0xD5, 0x5E, 0x00))
        #expect(theme[.critical].attributes.contains(.underline))
    }

    @Test("a broken theme gives a clear error naming file, role and value")
    func errors() {
        func parse(_ text: String) -> String {
            do {
                _ = try ThemeLoader.parse(text, source: "/t/bad.yaml", fallbackName: "bad")
                return "parsed"
            } catch {
                return error.message
            }
        }
        #expect(
            parse("roles:\n  critical: { fg: redd }").contains("role \"critical\": unknown foreground colour \"redd\""))
        #expect(parse("roles:\n  criticall: { fg: red }").contains("unknown role \"criticall\""))
        #expect(parse("roles:\n  ok: { mono: [blink] }").contains("unknown attribute \"blink\""))
        #expect(parse("name: x\n").contains("no \"roles\" map"))
        #expect(parse("roles: [unclosed").hasPrefix("theme file /t/bad.yaml:"))
        #expect(parse("palette:\n  r: \"#ff0000\"\nroles:\n  critical: { fg: r, bold: true }") == "parsed")
    }

    @Test("a broken or unknown --theme falls back to the default with a notice")
    func fallback() throws {
        let directory = NSTemporaryDirectory() + "pgwarden-theme-test-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broken = directory + "/broken.yaml"
        try "roles:\n  text: { fg: nocolour }\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let selection = ThemeSelection.resolve(requested: broken, environment: environment)
        #expect(selection.themes[selection.index].name == "default-dark")
        #expect(
            selection.problems.first?.contains("broken.yaml: role \"text\": unknown foreground colour \"nocolour\"")
                == true)
        #expect(selection.problems.first?.hasSuffix("; using default-dark") == true)
        let unknown = ThemeSelection.resolve(requested: "solarized", environment: environment)
        #expect(unknown.problems.first?.contains("theme \"solarized\" not found (available: default-dark,") == true)
        let light = ThemeSelection.resolve(requested: "light", environment: environment)
        #expect(light.themes[light.index].name == "light")
        #expect(light.problems.isEmpty)
    }

    @Test("a user theme directory adds and overrides themes; a broken user file is reported")
    func userDirectory() throws {
        let home = NSTemporaryDirectory() + "pgwarden-home-\(getpid())"
        let themes = home + "/.config/pgwarden/themes"
        try FileManager.default.createDirectory(atPath: themes, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        try "name: prod-red\nroles:\n  border: { fg: red }\n".write(
            toFile: themes + "/prod.yaml", atomically: true, encoding: .utf8)
        try "roles: {".write(toFile: themes + "/oops.yml", atomically: true, encoding: .utf8)
        var environment = self.environment
        environment["HOME"] = home
        let (loaded, problems) = ThemeLoader.loadAll(environment: environment)
        #expect(loaded.contains { $0.name == "prod-red" })
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("oops.yml") == true)
    }

    @Test("no theme files at all: the attribute-only built-in theme")
    func noFiles() {
        let (themes, _) = ThemeLoader.loadAll(environment: [
            "PGWARDEN_THEMES_DIR": "/nonexistent", "HOME": "/nonexistent",
        ])
        #expect(themes == [.fallback])
        #expect(Theme.fallback[.selection].attributes == .reverse)
    }

    @Test("monochrome terminals and NO_COLOR: colours go, mono attributes keep roles apart")
    func monochrome() throws {
        let theme = try #require(ThemeLoader.loadAll(environment: environment).themes.first)
        let mono = theme.adapted(to: .monochrome)
        #expect(mono[.selection] == Style(attributes: [.bold, .reverse]))
        #expect(mono[.critical].foreground == .terminalDefault)
        #expect(mono[.critical].attributes.contains(.bold))
        #expect(theme.adapted(to: .palette256) == theme)
        #expect(ColorDepth.detect(colors: 256, environment: ["NO_COLOR": "1"]) == .monochrome)
    }

    @Test("every theme renders the dashboard with its own styles")
    func rendering() {
        var state = DashboardFixtures.state()
        _ = DashboardReducer.reduce(&state, .key(.tab))
        for _ in state.themes {
            let screen = DashboardFixtures.render(state)
            let status = DashboardFixtures.at(screen, "* running")
            #expect(screen[status.x, status.y].style == state.theme[.ok])
            #expect(screen[0, 0].style.background == state.theme[.statusBar].background)
            _ = DashboardReducer.reduce(&state, .key(.character("t")))
        }
    }
}
