import Foundation

/// A daemon message or report as it lies in a file: the payload's JSON text, who sent it to
/// whom and when (by the sender's clock), a random nonce, and an HMAC-SHA256 with the
/// ``ClusterSecret`` over all of them (``authenticatedText``), made and checked by
/// ``MessageAuthenticator``. The payload is carried as text, exactly as it was authenticated, so
/// that no re-encoding can change what the code covers.
public struct SealedEnvelope: Sendable, Equatable, Codable {
    /// What the payload is: a ``DaemonMessage`` or a ``PeerReport``.
    public enum Kind: String, Sendable, Codable {
        case message
        case report
    }

    public var version: Int
    public var kind: Kind
    /// The node ID of the daemon that sealed it.
    public var sender: Int
    /// The node ID it is addressed to; 0 for a report, which every peer reads.
    public var recipient: Int
    /// Milliseconds since 1970 by the sender's clock.
    public var sentAt: Int64
    public var nonce: String
    public var payload: String
    /// The HMAC-SHA256 in hexadecimal digits.
    public var mac: String

    /// What the code covers: every field but the code itself, separated by NUL characters
    /// (which none of the fields before the payload may hold), the payload last.
    var authenticatedText: String {
        ["pgwarden-envelope", String(version), kind.rawValue, String(sender), String(recipient), String(sentAt), nonce]
            .joined(separator: "\u{0}") + "\u{0}" + payload
    }
}
