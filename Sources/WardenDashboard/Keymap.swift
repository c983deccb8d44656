import WardenTerminal

/// The keys bound on the main screen right now. The reducer looks keys up here and the help
/// overlay lists exactly these, so a key that is not bound (an action in read-only mode, an
/// operation the engine does not have) neither works nor shows.
public enum Keymap {
    public static func bindings(for state: DashboardState) -> [KeyBinding] {
        var bindings: [KeyBinding] = [
            KeyBinding([.character("?"), .function(1)], "?", .help, "show or hide this help", hint: "?:help"),
            KeyBinding([.character("q"), .control("c")], "q", .quit, "quit", hint: "q:quit"),
        ]
        let demoHint = state.demoKeys.map { String($0.key) }.joined(separator: "/") + ":demo"
        for (index, demo) in state.demoKeys.enumerated() {
            bindings.append(
                KeyBinding(
                    [.character(demo.key)], String(demo.key), .demo(index), "demo: \(demo.summary)",
                    hint: index == 0 ? demoHint : nil))
        }
        if !state.mode.isWall {
            bindings += [
                KeyBinding([.tab, .right, .character("l")], "Tab/→/l", .nextPane, "next pane", hint: "Tab:pane"),
                KeyBinding([.backTab, .left, .character("h")], "⇧Tab/←/h", .previousPane, "previous pane"),
                KeyBinding([.up, .character("k")], "↑/k", .up, "move up", hint: "↑↓:select"),
                KeyBinding([.down, .character("j")], "↓/j", .down, "move down"),
                KeyBinding([.pageUp], "PgUp", .pageUp, "page up"),
                KeyBinding([.pageDown], "PgDn", .pageDown, "page down"),
                KeyBinding([.home, .character("g")], "Home/g", .top, "first row"),
                KeyBinding([.end, .character("G")], "End/G", .bottom, "last row"),
                KeyBinding([.enter], "Enter", .details, "details of the selected node", hint: "Enter:details"),
                KeyBinding([.character("/")], "/", .filter, "filter the focused pane", hint: "/:filter"),
            ]
            if state.filters.values.contains(where: { !$0.isEmpty }) {
                bindings.append(KeyBinding([.escape], "Esc", .clearFilter, "clear the filters"))
            }
        }
        bindings += [
            KeyBinding([.character("+"), .character("=")], "+", .faster, "refresh faster", hint: "+/-:refresh"),
            KeyBinding([.character("-")], "-", .slower, "refresh slower"),
            KeyBinding(
                [.character(" ")], "Space", .togglePause, state.paused ? "resume refreshing" : "pause refreshing",
                hint: state.paused ? "Space:resume" : "Space:pause"),
            KeyBinding([.character("r")], "r", .refreshNow, "refresh now"),
            KeyBinding([.character("t")], "t", .nextTheme, "next theme", hint: "t:theme"),
            KeyBinding([.character("w")], "w", .historyWindow, "history window (5 min / 1 h / 24 h)"),
            KeyBinding([.control("l")], "Ctrl-L", .repaint, "repaint the whole screen"),
        ]
        if !state.mode.isReadOnly {
            for kind in OperationKind.allCases where state.operations.contains(kind) {
                if kind == .pauseDaemons {
                    // Cluster-wide: its meaning follows the daemons' flag in the last snapshot.
                    let label = state.daemonsPaused ? "unpause daemons" : "pause daemons"
                    bindings.append(
                        KeyBinding(
                            [.character(kind.key)], String(kind.key), .operation(kind), label,
                            hint: "\(kind.key):\(label)"))
                    continue
                }
                if kind == .fence {
                    // A toggle on the selected node: its meaning follows the node's fenced state.
                    let label = state.selectedRow?.fenced == true ? "unfence" : "fence"
                    bindings.append(
                        KeyBinding(
                            [.character(kind.key)], String(kind.key), .operation(kind), "\(label) the selected node",
                            hint: "\(kind.key):\(label)"))
                    continue
                }
                bindings.append(
                    KeyBinding(
                        [.character(kind.key)], String(kind.key), .operation(kind), kind.summary,
                        hint: "\(kind.key):\(kind.shortName)"))
            }
        }
        return bindings
    }

    /// The command `key` runs on the main screen, or nil when it is not bound.
    public static func command(for key: Key, in state: DashboardState) -> KeyCommand? {
        bindings(for: state).first { $0.keys.contains(key) }?.command
    }
}
