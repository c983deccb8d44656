import Foundation
import Testing

@testable import WardenEngine

/// The daemons' message authentication (issue 18, finding 1): HMAC-SHA256 as RFC 4231 defines it,
/// and what a receiver does with forged, altered, misaddressed, old, replayed and impersonating
/// messages and reports.
@Suite("Message authentication")
struct MessageAuthenticationTests {
    static func bytes(_ hex: String) -> [UInt8] { MessageAuthenticator.bytes(hex: hex) ?? [] }

    static let secret = ClusterSecret(bytes: Array(repeating: 7, count: 32))
    static let otherSecret = ClusterSecret(bytes: Array(repeating: 8, count: 32))

    @Test(
        "HMAC-SHA256 matches RFC 4231 test cases 1, 2, 3, 4, 6 and 7",
        arguments: [
            (
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", Array("Hi There".utf8),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            (
                "4a656665", Array("what do ya want for nothing?".utf8),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
            (
                String(repeating: "aa", count: 20), Array(repeating: UInt8(0xdd), count: 50),
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
            ),
            (
                "0102030405060708090a0b0c0d0e0f10111213141516171819", Array(repeating: UInt8(0xcd), count: 50),
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
            ),
            (
                String(repeating: "aa", count: 131),
                Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
            (
                String(repeating: "aa", count: 131),
                Array(
                    ("This is a test using a larger than block-size key and a larger than block-size data. "
                        + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
            ),
        ])
    func rfc4231(key: String, data: [UInt8], expected: String) {
        let secret = ClusterSecret(unchecked: Self.bytes(key))
        #expect(secret.authenticationCode(for: Data(data)) == Self.bytes(expected))
        #expect(secret.isValid(Self.bytes(expected), for: Data(data)))
        var wrong = Self.bytes(expected)
        wrong[0] ^= 1
        #expect(!secret.isValid(wrong, for: Data(data)))
    }

    @Test("a secret has at least 32 bytes; it round-trips through its hexadecimal text")
    func secretText() throws {
        #expect(ClusterSecret(bytes: Array(repeating: 1, count: 31)) == nil)
        #expect(ClusterSecret(hex: "zz" + String(repeating: "00", count: 31)) == nil)
        #expect(ClusterSecret(hex: String(repeating: "0", count: 63)) == nil)
        let generated = ClusterSecret.generate()
        #expect(generated.hex.count == 64)
        #expect(ClusterSecret.generate().hex != generated.hex)
        let copy = try #require(ClusterSecret(hex: generated.hex))
        #expect(copy.hex == generated.hex)
    }

    func authenticator(_ secret: ClusterSecret? = MessageAuthenticationTests.secret) throws -> MessageAuthenticator {
        MessageAuthenticator(secret: try #require(secret))
    }

    @Test("a sealed message opens for its recipient: sender and message as sent")
    func roundTrip() throws {
        let sealer = try authenticator()
        let message = DaemonMessage.primaryAnnounced(nodeID: 1, term: 3)
        let data = try sealer.sealMessage(message, sender: 1, recipient: 2)
        let opened = try sealer.openMessage(data, recipient: 2, replays: sealer.makeReplayGuard()).get()
        #expect(opened.sender == 1)
        #expect(opened.message == message)
    }

    @Test("the forged announcement of the finding, unsealed, is dropped")
    func unsealedForgery() throws {
        let receiver = try authenticator()
        let forged = Data(#"{"primaryAnnounced":{"nodeID":1,"term":999}}"#.utf8)
        #expect(
            receiver.openMessage(forged, recipient: 2, replays: receiver.makeReplayGuard()).failure == .malformed)
    }

    @Test("an altered payload, a made-up code or another cluster's secret do not open")
    func alteredOrForeign() throws {
        let sealer = try authenticator()
        let data = try sealer.sealMessage(.primaryAnnounced(nodeID: 1, term: 3), sender: 1, recipient: 2)
        var envelope = try JSONDecoder().decode(SealedEnvelope.self, from: data)
        envelope.payload = envelope.payload.replacingOccurrences(of: "3", with: "999")
        let altered = try JSONEncoder().encode(envelope)
        #expect(
            sealer.openMessage(altered, recipient: 2, replays: sealer.makeReplayGuard()).failure == .badCode(sender: 1))
        envelope = try JSONDecoder().decode(SealedEnvelope.self, from: data)
        envelope.mac = String(repeating: "0", count: 64)
        #expect(
            sealer.openMessage(try JSONEncoder().encode(envelope), recipient: 2, replays: sealer.makeReplayGuard())
                .failure == .badCode(sender: 1))
        envelope.mac = "not hex"
        #expect(
            sealer.openMessage(try JSONEncoder().encode(envelope), recipient: 2, replays: sealer.makeReplayGuard())
                .failure == .malformed)
        let foreign = try authenticator(Self.otherSecret)
        #expect(
            foreign.openMessage(data, recipient: 2, replays: foreign.makeReplayGuard()).failure == .badCode(sender: 1))
    }

    @Test("a message for another node, or a report offered as a message, is dropped")
    func misaddressed() throws {
        let sealer = try authenticator()
        let data = try sealer.sealMessage(.candidacyWithdrawn(nodeID: 3, term: 4), sender: 3, recipient: 2)
        #expect(
            sealer.openMessage(data, recipient: 1, replays: sealer.makeReplayGuard()).failure
                == .wrongAddress(sender: 3, recipient: 2))
        let report = try #require(sealer.sealReport(Self.report(nodeID: 3), sender: 3))
        #expect(
            sealer.openMessage(report, recipient: 0, replays: sealer.makeReplayGuard()).failure == .wrongKind(sender: 3)
        )
    }

    @Test("a message older or newer than a minute by the receiver's clock is dropped")
    func age() throws {
        let sealer = try authenticator()
        let now = Date()
        let old = try sealer.sealMessage(.candidacyWithdrawn(nodeID: 3, term: 4), sender: 3, recipient: 2, at: now - 61)
        #expect(
            sealer.openMessage(old, recipient: 2, replays: sealer.makeReplayGuard(), now: now).failure
                == .tooOld(sender: 3, seconds: 61))
        let future = try sealer.sealMessage(
            .candidacyWithdrawn(nodeID: 3, term: 4), sender: 3, recipient: 2, at: now + 90)
        #expect(
            sealer.openMessage(future, recipient: 2, replays: sealer.makeReplayGuard(), now: now).failure
                == .fromTheFuture(sender: 3, seconds: 90))
        let recent = try sealer.sealMessage(
            .candidacyWithdrawn(nodeID: 3, term: 4), sender: 3, recipient: 2, at: now - 59)
        #expect(
            (try? sealer.openMessage(recent, recipient: 2, replays: sealer.makeReplayGuard(), now: now).get()) != nil)
    }

    @Test("the same message delivered twice is acted on once")
    func replay() throws {
        let sealer = try authenticator()
        let replays = sealer.makeReplayGuard()
        let data = try sealer.sealMessage(.candidacyWithdrawn(nodeID: 3, term: 4), sender: 3, recipient: 2)
        #expect((try? sealer.openMessage(data, recipient: 2, replays: replays).get()) != nil)
        #expect(sealer.openMessage(data, recipient: 2, replays: replays).failure == .replayed(sender: 3))
        let another = try sealer.sealMessage(.candidacyWithdrawn(nodeID: 3, term: 4), sender: 3, recipient: 2)
        #expect((try? sealer.openMessage(another, recipient: 2, replays: replays).get()) != nil)
    }

    @Test("the replay guard forgets a nonce once its message is too old to pass anyway")
    func replayWindow() {
        let replays = ReplayGuard(windowMilliseconds: 60_000)
        #expect(replays.admit(nonce: "a", sentAt: 1_000, now: 1_000))
        #expect(!replays.admit(nonce: "a", sentAt: 1_000, now: 60_000))
        #expect(replays.admit(nonce: "a", sentAt: 1_000, now: 61_001))
    }

    @Test(
        "a message that speaks for another node than its sender is dropped",
        arguments: [
            DaemonMessage.primaryAnnounced(nodeID: 1, term: 999),
            .voteReply(VoteReply(term: 5, voterID: 1, granted: true, reason: "", knownTerm: 5, knownPrimaryID: nil)),
            .leaseReleased(LeaseRelease(holderID: 1, term: 2, sequence: 1)),
        ])
    func impersonation(message: DaemonMessage) throws {
        let sealer = try authenticator()
        let data = try sealer.sealMessage(message, sender: 3, recipient: 2)
        #expect(
            sealer.openMessage(data, recipient: 2, replays: sealer.makeReplayGuard()).failure
                == .claimsAnotherNode(sender: 3, claimed: 1))
    }

    static func report(nodeID: Int) -> PeerReport {
        PeerReport(
            view: PeerView(
                nodeID: nodeID, reachable: true, daemonRunning: true, isWitness: false, inRecovery: true,
                receivedLSN: nil, priority: 100, location: "default", failover: nil, upstreamNodeID: 1,
                seesUpstream: true, upstreamLastSeenAgo: 0, term: 2, primaryNodeID: 1, isPaused: false,
                reportMissing: false),
            publication: 7)
    }

    @Test("a report opens only as its own node's, sealed with the cluster secret")
    func reports() throws {
        let sealer = try authenticator()
        let data = try #require(sealer.sealReport(Self.report(nodeID: 2), sender: 2))
        let text = String(decoding: data, as: UTF8.self)
        #expect(try sealer.openReport(text, from: 2).get() == Self.report(nodeID: 2))
        #expect(sealer.openReport(text, from: 3).failure == .claimsAnotherNode(sender: 3, claimed: 2))
        #expect(try authenticator(Self.otherSecret).openReport(text, from: 2).failure == .badCode(sender: 2))
        let plain = String(decoding: try JSONEncoder().encode(Self.report(nodeID: 2)), as: UTF8.self)
        #expect(sealer.openReport(plain, from: 2).failure == .malformed)
        let message = try sealer.sealMessage(.candidacyWithdrawn(nodeID: 2, term: 1), sender: 2, recipient: 0)
        #expect(sealer.openReport(String(decoding: message, as: UTF8.self), from: 2).failure == .wrongKind(sender: 2))
    }

    @Test("a reader takes a report from a pointer of another node (a copied data directory) as missing")
    func reportReader() throws {
        let sealer = try authenticator()
        let lines = LogLines()
        let reader = PeerReportReader(authenticator: sealer, rejections: RejectionLog(log: lines.sink))
        let report = String(decoding: try #require(sealer.sealReport(Self.report(nodeID: 2), sender: 2)), as: UTF8.self)
        #expect(reader.outcome(pointer: "2\n/s\n", report: report, from: 2) == .report(Self.report(nodeID: 2)))
        #expect(reader.outcome(pointer: "1\n/s\n", report: report, from: 2) == .missing)
        #expect(reader.outcome(pointer: nil, report: nil, from: 2) == .missing)
        #expect(reader.outcome(pointer: "2\n/s\n", report: "{}", from: 2) == .rejected)
        #expect(lines.texts == ["ignoring the report of node 2: it is not sealed (no authentication code)"])
    }

    @Test("dropped messages are logged once per sender per minute, with the count of those not logged")
    func rateLimit() {
        let lines = LogLines()
        let log = RejectionLog(log: lines.sink, interval: .seconds(60))
        let start = ContinuousClock.now
        for second in 0..<100 {
            log.dropped("a message", .badCode(sender: 3), now: start + .milliseconds(second * 100))
        }
        log.dropped("a message", .replayed(sender: 4), now: start + .seconds(1))
        log.dropped("a message", .malformed, now: start + .seconds(1))
        #expect(lines.texts.count == 3)
        log.dropped("a message", .badCode(sender: 3), now: start + .seconds(61))
        #expect(lines.texts.count == 4)
        #expect(
            lines.texts.first?.hasPrefix("ignoring a message claiming to come from node 3: its authentication code")
                == true)
        #expect(lines.texts.last?.hasSuffix("(99 more dropped since the last such warning)") == true)
        #expect(lines.levels.allSatisfy { $0 == .warning })
    }
}

extension Result {
    /// The error of a failed result, nil for a success.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
