/// What a demo node is built as.
public enum DemoNodeRole: String, Sendable, Codable {
    case primary, standby, witness
}
