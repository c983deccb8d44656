import Testing

@testable import WardenEngine

@Suite("LSN")
struct LSNTests {
    @Test("parses and prints PostgreSQL's X/Y form")
    func roundTrip() throws {
        let lsn = try #require(LSN("16/B374D848"))
        #expect(lsn.value == 0x16_B374_D848)
        #expect(lsn.description == "16/B374D848")
        #expect(LSN("0/0") == .zero)
    }

    @Test("rejects malformed text", arguments: ["", "0", "/1", "1/", "G/1", "1/2/3", "123456789/0"])
    func rejects(text: String) {
        #expect(LSN(text) == nil)
    }

    @Test("subtraction gives signed byte distances across the 4 GB boundary")
    func arithmetic() throws {
        let a = try #require(LSN("1/0"))
        let b = try #require(LSN("0/FFFFFF00"))
        #expect(a - b == 256)
        #expect(b - a == -256)
        #expect(b + 256 == a)
        #expect(a + -256 == b)
        #expect(LSN.zero + -5 == .zero)
        #expect(b < a)
    }
}
