/// Turns what `get_wch` returned into a ``Key``: a character (`isKeyCode == false`) or one of
/// ncurses' `KEY_*` codes (`isKeyCode == true`). Pure, so it is tested without a terminal.
public enum KeyDecoder {
    /// ncurses key codes (from `<ncurses.h>`, stable across versions).
    enum Code {
        static let down: UInt32 = 0o402
        static let up: UInt32 = 0o403
        static let left: UInt32 = 0o404
        static let right: UInt32 = 0o405
        static let home: UInt32 = 0o406
        static let backspace: UInt32 = 0o407
        static let function0: UInt32 = 0o410
        static let delete: UInt32 = 0o512
        static let pageDown: UInt32 = 0o522
        static let pageUp: UInt32 = 0o523
        static let enter: UInt32 = 0o527
        static let backTab: UInt32 = 0o541
        static let end: UInt32 = 0o550
        static let resize: UInt32 = 0o632
    }

    /// The key for one `get_wch` result; nil for codes the dashboard has no use for.
    public static func decode(_ value: UInt32, isKeyCode: Bool) -> Key? {
        if isKeyCode { return decodeCode(value) }
        switch value {
        case 0x0D, 0x0A: return .enter
        case 0x09: return .tab
        case 0x1B: return .escape
        case 0x7F, 0x08: return .backspace
        case 0x01...0x1A:
            guard let scalar = Unicode.Scalar(value + 0x60) else { return nil }
            return .control(Character(scalar))
        default:
            guard value >= 0x20, let scalar = Unicode.Scalar(value) else { return nil }
            return .character(Character(scalar))
        }
    }

    private static func decodeCode(_ value: UInt32) -> Key? {
        switch value {
        case Code.down: .down
        case Code.up: .up
        case Code.left: .left
        case Code.right: .right
        case Code.home: .home
        case Code.end: .end
        case Code.backspace: .backspace
        case Code.delete: .delete
        case Code.pageDown: .pageDown
        case Code.pageUp: .pageUp
        case Code.enter: .enter
        case Code.backTab: .backTab
        case Code.resize: .resize
        case (Code.function0 + 1)...(Code.function0 + 24): .function(Int(value - Code.function0))
        default: nil
        }
    }
}
