/// Why ``MessageAuthenticator`` refused a sealed message or report.
public enum EnvelopeRejection: Error, Sendable, Equatable {
    /// Not a sealed envelope at all (an unauthenticated message, a file from an older pgwarden).
    case malformed
    /// The authentication code does not match: forged, altered, or sealed with another secret.
    case badCode(sender: Int)
    /// A report offered as a message, or the other way round.
    case wrongKind(sender: Int)
    /// Sealed for another node (`recipient`), or a report of another node than the one read.
    case wrongAddress(sender: Int, recipient: Int)
    /// Sent longer ago than the receiver accepts, by the sender's clock.
    case tooOld(sender: Int, seconds: Int64)
    /// Sent later than now, by more than the receiver accepts (clocks out of step).
    case fromTheFuture(sender: Int, seconds: Int64)
    /// A nonce seen before: the same message delivered again.
    case replayed(sender: Int)
    /// The payload speaks for another node than its sender (a vote reply of node 3 sent by node 2).
    case claimsAnotherNode(sender: Int, claimed: Int)
    /// The authenticated payload does not decode.
    case unreadablePayload(sender: Int)
    /// The file is not one to read: a link, not a regular file, another user's, too large (see ``SafeFile``).
    case unsafeFile(reason: String)

    /// The node the envelope says it comes from (nil when it says nothing readable).
    public var sender: Int? {
        switch self {
        case .malformed, .unsafeFile: nil
        case .badCode(let sender), .wrongKind(let sender), .replayed(let sender), .unreadablePayload(let sender):
            sender
        case .wrongAddress(let sender, _), .tooOld(let sender, _), .fromTheFuture(let sender, _),
            .claimsAnotherNode(let sender, _):
            sender
        }
    }

    /// Why, in words for the daemon log.
    public var reason: String {
        switch self {
        case .malformed: "it is not sealed (no authentication code)"
        case .badCode: "its authentication code does not match the cluster secret (forged or altered)"
        case .wrongKind: "it is not a message of its kind"
        case .wrongAddress(_, let recipient): "it is addressed to node \(recipient)"
        case .tooOld(_, let seconds):
            "it was sent \(seconds) s ago by the sender's clock (too old; are the hosts' clocks in step?)"
        case .fromTheFuture(_, let seconds):
            "it was sent \(seconds) s in the future by the sender's clock (are the hosts' clocks in step?)"
        case .replayed: "it was delivered before (replayed)"
        case .claimsAnotherNode(_, let claimed): "it speaks for node \(claimed)"
        case .unreadablePayload: "its content cannot be read"
        case .unsafeFile(let reason): reason
        }
    }
}
