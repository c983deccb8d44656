import CNCursesW
import Foundation

/// The only code that touches ncurses: it copies ``Screen``s onto the terminal (sending only
/// the cells that changed since the last frame) and reads keys with a timeout.
///
/// Not thread-safe: create it, draw and read keys on one thread (the dashboard's UI thread).
/// ncurses state is process-wide, so there is at most one at a time.
public final class CursesTerminal {
    /// The colour depth frames are downgraded to.
    public let colorDepth: ColorDepth
    private let screenHandle: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private var previous: Screen?
    private var pairs: ColorPairTable
    private var stopped = false

    private init(screenHandle: OpaquePointer, colorDepth: ColorDepth) throws(TerminalError) {
        self.screenHandle = screenHandle
        guard let window = pgw_stdscr() else {
            endwin()
            delscreen(screenHandle)
            throw TerminalError("ncurses did not create a screen window")
        }
        self.window = window
        var depth = colorDepth
        if depth > .monochrome {
            if has_colors() {
                start_color()
                use_default_colors()
                depth = min(depth, ColorDepth.fromColorCount(Int(pgw_colors())))
            } else {
                depth = .monochrome
            }
        }
        self.colorDepth = depth
        self.pairs = ColorPairTable(capacity: depth == .monochrome ? 0 : min(Int(pgw_color_pairs()) - 1, 32_766))
        raw()
        noecho()
        nonl()
        keypad(window, true)
        set_escdelay(25)
        curs_set(0)
    }

    /// Takes over the controlling terminal (standard input and output must be a tty).
    /// `environment` decides the colour depth (`NO_COLOR`, `PGWARDEN_COLORS`) together with terminfo.
    public static func start(environment: [String: String]) throws(TerminalError) -> CursesTerminal {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError("the dashboard needs a terminal: standard input and output must be a tty")
        }
        unblockTerminalSignals()
        setlocale(LC_ALL, "")
        guard let output = fdopen(STDOUT_FILENO, "w"), let input = fdopen(STDIN_FILENO, "r") else {
            throw TerminalError("cannot open the terminal's standard streams")
        }
        guard let handle = newterm(nil, output, input) else {
            let name = environment["TERM"] ?? "(unset)"
            throw TerminalError("cannot initialise the terminal (TERM=\(name)); is its terminfo entry installed?")
        }
        let probeDepth = ColorDepth.detect(colors: 1 << 24, environment: environment)
        return try CursesTerminal(screenHandle: handle, colorDepth: probeDepth)
    }

    /// A terminal of `width`×`height` that draws into /dev/null, for tests of the backend
    /// itself: frames can be read back with ``text(row:)`` and ``cellColors(x:y:)``.
    public static func headless(
        width: Int, height: Int, term: String = "xterm-256color", colorDepth: ColorDepth = .palette256
    )
        throws(TerminalError) -> CursesTerminal
    {
        setlocale(LC_ALL, "C.UTF-8")
        guard let output = fopen("/dev/null", "w"), let input = fopen("/dev/null", "r"),
            let handle = newterm(term, output, input)
        else {
            throw TerminalError("cannot create a headless \(term) terminal")
        }
        set_term(handle)
        resizeterm(Int32(height), Int32(width))
        return try CursesTerminal(screenHandle: handle, colorDepth: colorDepth)
    }

    /// The terminal's current size.
    public var size: TerminalSize {
        TerminalSize(columns: Int(getmaxx(window)), rows: Int(getmaxy(window)))
    }

    /// Draws `screen`, sending only the cells that differ from the previous frame.
    public func present(_ screen: Screen) {
        let fullRepaint = previous == nil || previous?.width != screen.width || previous?.height != screen.height
        if fullRepaint { clearok(window, true) }
        let runs = ScreenDiff.runs(from: fullRepaint ? nil : previous, to: screen)
        for run in runs {
            draw(run)
        }
        wrefresh(window)
        previous = screen
    }

    /// Forgets the last frame, so the next ``present(_:)`` repaints every cell.
    public func invalidate() {
        previous = nil
    }

    /// Waits up to `timeoutMilliseconds` for a key; nil on timeout or for keys it does not know.
    /// A resize invalidates the last frame, so that the next one is painted whole.
    public func readKey(timeoutMilliseconds: Int32) -> Key? {
        wtimeout(window, timeoutMilliseconds)
        var value: wint_t = 0
        let status = wget_wch(window, &value)
        let key: Key?
        switch status {
        case OK: key = KeyDecoder.decode(UInt32(value), isKeyCode: false)
        case KEY_CODE_YES: key = KeyDecoder.decode(UInt32(value), isKeyCode: true)
        default: key = nil
        }
        if key == .resize { invalidate() }
        return key
    }

    /// Gives the terminal back: shows the cursor, leaves the alternate screen, restores modes.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        curs_set(1)
        endwin()
        delscreen(screenHandle)
    }

    deinit { stop() }

    /// Row `row` of the terminal's own buffer, as ncurses holds it (headless tests).
    public func text(row: Int) -> String {
        let width = Int(getmaxx(window))
        var buffer = [wchar_t](repeating: 0, count: width + 1)
        let count = mvwinnwstr(window, Int32(row), 0, &buffer, Int32(width))
        guard count > 0 else { return "" }
        return String(String.UnicodeScalarView(buffer.prefix(Int(count)).compactMap { Unicode.Scalar(UInt32($0)) }))
    }

    /// The ncurses colour numbers and boldness of one cell (headless tests).
    public func cellColors(x: Int, y: Int) -> (foreground: Int32, background: Int32, bold: Bool) {
        var cell = cchar_t()
        mvwin_wch(window, Int32(y), Int32(x), &cell)
        var characters = [wchar_t](repeating: 0, count: 8)
        var attributes: attr_t = 0
        var pair: Int16 = 0
        var extendedPair: Int32 = 0
        getcchar(&cell, &characters, &attributes, &pair, &extendedPair)
        var foreground: Int32 = -1
        var background: Int32 = -1
        extended_pair_content(extendedPair, &foreground, &background)
        return (foreground, background, attributes & pgw_a_bold() != 0)
    }

    private func draw(_ run: ScreenRun) {
        let (attributes, pair) = cursesAttributes(for: run.style)
        var pairNumber = pair
        wattr_set(window, attributes, Int16(clamping: pair), &pairNumber)
        var characters = run.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        characters.append(0)
        _ = mvwaddnwstr(window, Int32(run.y), Int32(run.x), characters, Int32(characters.count - 1))
    }

    private func cursesAttributes(for style: Style) -> (attr_t, Int32) {
        var attributes = pgw_a_normal()
        if style.attributes.contains(.bold) { attributes |= pgw_a_bold() }
        if style.attributes.contains(.dim) { attributes |= pgw_a_dim() }
        if style.attributes.contains(.reverse) { attributes |= pgw_a_reverse() }
        if style.attributes.contains(.underline) { attributes |= pgw_a_underline() }
        guard colorDepth > .monochrome else { return (attributes, 0) }
        let pair = ColorPairTable.Pair(
            foreground: colorNumber(style.foreground), background: colorNumber(style.background))
        if let (number, isNew) = pairs.number(for: pair) {
            if isNew { init_extended_pair(number, pair.foreground, pair.background) }
            return (attributes, number)
        }
        // Out of pairs: start over; the next frame is painted whole with the new numbering.
        pairs.removeAll()
        previous = nil
        return (attributes, 0)
    }

    private func colorNumber(_ color: TerminalColor) -> Int32 {
        switch color.downgraded(to: colorDepth) {
        case .none, .terminalDefault: -1
        case .indexed(let index): Int32(index)
        case .rgb(let red, let green, let blue): Int32(red) << 16 | Int32(green) << 8 | Int32(blue)
        }
    }

    /// Threads started by Swift's runtime may block SIGWINCH and friends; ncurses needs SIGWINCH
    /// to notice resizes, and SIGTERM/SIGHUP must still end the program.
    private static func unblockTerminalSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGCONT, SIGTSTP] {
            sigaddset(&set, signal)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
