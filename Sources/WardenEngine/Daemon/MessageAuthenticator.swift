import Foundation

/// Seals daemon messages and reports into ``SealedEnvelope``s and opens them again, with an
/// HMAC-SHA256 keyed by the ``ClusterSecret``: only a daemon of this cluster can make one that
/// opens. A message must also be addressed to the receiver, young enough (``maximumAge`` either
/// way, by the sender's clock against the receiver's), not seen before (``ReplayGuard``), and
/// speak only for its sender; a report must be the polled node's own.
public struct MessageAuthenticator: Sendable {
    let secret: ClusterSecret
    /// How far a message's send time may lie from the receiver's clock.
    public let maximumAge: Duration

    public init(secret: ClusterSecret, maximumAge: Duration = .seconds(60)) {
        self.secret = secret
        self.maximumAge = maximumAge
    }

    private var maximumAgeMilliseconds: Int64 { maximumAge.components.seconds * 1000 }

    /// A guard whose memory matches this authenticator's ``maximumAge``.
    public func makeReplayGuard() -> ReplayGuard {
        ReplayGuard(windowMilliseconds: maximumAgeMilliseconds)
    }

    /// `payload` sealed by `sender` for `recipient` at `date`.
    public func seal(
        _ kind: SealedEnvelope.Kind, payload: String, sender: Int, recipient: Int, at date: Date = Date()
    ) -> SealedEnvelope {
        var envelope = SealedEnvelope(
            version: 1, kind: kind, sender: sender, recipient: recipient,
            sentAt: Int64((date.timeIntervalSince1970 * 1000).rounded()), nonce: UUID().uuidString, payload: payload,
            mac: "")
        envelope.mac = code(for: envelope).map { String(format: "%02x", $0) }.joined()
        return envelope
    }

    /// The file text of `message` sealed by `sender` for `recipient`.
    public func sealMessage(_ message: DaemonMessage, sender: Int, recipient: Int, at date: Date = Date())
        throws(WardenError) -> Data
    {
        do {
            let payload = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
            return try JSONEncoder().encode(
                seal(.message, payload: payload, sender: sender, recipient: recipient, at: date))
        } catch {
            throw WardenError("unable to encode a daemon message", exitStatus: .internalError)
        }
    }

    /// The file text of `report` sealed by `sender` (for every peer).
    public func sealReport(_ report: PeerReport, sender: Int, at date: Date = Date()) -> Data? {
        guard let payload = try? JSONEncoder().encode(report),
            let data = try? JSONEncoder().encode(
                seal(.report, payload: String(decoding: payload, as: UTF8.self), sender: sender, recipient: 0, at: date)
            )
        else { return nil }
        return data
    }

    /// Opens a message file delivered to `recipient`: the sender and the message, or why it is dropped.
    public func openMessage(_ data: Data, recipient: Int, replays: ReplayGuard, now date: Date = Date())
        -> Result<(sender: Int, message: DaemonMessage), EnvelopeRejection>
    {
        let envelope: SealedEnvelope
        switch open(data, kind: .message) {
        case .success(let opened): envelope = opened
        case .failure(let rejection): return .failure(rejection)
        }
        let sender = envelope.sender
        guard envelope.recipient == recipient else {
            return .failure(.wrongAddress(sender: sender, recipient: envelope.recipient))
        }
        let now = Int64((date.timeIntervalSince1970 * 1000).rounded())
        if now - envelope.sentAt > maximumAgeMilliseconds {
            return .failure(.tooOld(sender: sender, seconds: (now - envelope.sentAt) / 1000))
        }
        if envelope.sentAt - now > maximumAgeMilliseconds {
            return .failure(.fromTheFuture(sender: sender, seconds: (envelope.sentAt - now) / 1000))
        }
        guard let message = try? JSONDecoder().decode(DaemonMessage.self, from: Data(envelope.payload.utf8)) else {
            return .failure(.unreadablePayload(sender: sender))
        }
        guard message.speaksFor == sender else {
            return .failure(.claimsAnotherNode(sender: sender, claimed: message.speaksFor))
        }
        guard replays.admit(nonce: envelope.nonce, sentAt: envelope.sentAt, now: now) else {
            return .failure(.replayed(sender: sender))
        }
        return .success((sender, message))
    }

    /// Opens the report read from node `nodeID`'s state directory. Its age is not checked here:
    /// a reader judges a report's freshness by its own clock (``ReportFreshness``).
    public func openReport(_ text: String, from nodeID: Int) -> Result<PeerReport, EnvelopeRejection> {
        let envelope: SealedEnvelope
        switch open(Data(text.utf8), kind: .report) {
        case .success(let opened): envelope = opened
        case .failure(let rejection): return .failure(rejection)
        }
        guard envelope.sender == nodeID else {
            return .failure(.claimsAnotherNode(sender: nodeID, claimed: envelope.sender))
        }
        guard let report = try? JSONDecoder().decode(PeerReport.self, from: Data(envelope.payload.utf8)) else {
            return .failure(.unreadablePayload(sender: nodeID))
        }
        guard report.view.nodeID == nodeID else {
            return .failure(.claimsAnotherNode(sender: nodeID, claimed: report.view.nodeID))
        }
        return .success(report)
    }

    /// Decodes an envelope of `kind` whose code matches.
    private func open(_ data: Data, kind: SealedEnvelope.Kind) -> Result<SealedEnvelope, EnvelopeRejection> {
        guard let envelope = try? JSONDecoder().decode(SealedEnvelope.self, from: data), envelope.version == 1,
            !envelope.nonce.contains("\u{0}"), let mac = Self.bytes(hex: envelope.mac)
        else { return .failure(.malformed) }
        guard secret.isValid(mac, for: Data(envelope.authenticatedText.utf8)) else {
            return .failure(.badCode(sender: envelope.sender))
        }
        guard envelope.kind == kind else { return .failure(.wrongKind(sender: envelope.sender)) }
        return .success(envelope)
    }

    private func code(for envelope: SealedEnvelope) -> [UInt8] {
        secret.authenticationCode(for: Data(envelope.authenticatedText.utf8))
    }

    /// The bytes of an even number of hexadecimal digits; nil for anything else.
    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
