import Testing
@testable import BerthServer

@Suite("Tokens: 256 random bits, shown once, stored hashed")
struct AccessTokenTests {
    @Test("a token reads back as itself; only its secret's hash matches; tokens differ")
    func roundTrip() throws {
        let token = AccessToken.generate()
        let parsed = try #require(AccessToken(parsing: token.text))
        #expect(parsed.id == token.id && parsed.secret == token.secret)
        #expect(token.secret.count == 43)
        #expect(parsed.matches(storedHash: token.hash))
        #expect(!AccessToken.generate().matches(storedHash: token.hash))
        #expect(token.hash != token.secret && token.hash.count == 64)
        #expect(Set((0..<100).map { _ in AccessToken.generate().text }).count == 100)
    }

    @Test("anything not shaped like a token is refused", arguments: [
        "", "berth_", "berth_0123456789abcdef_short", "token_0123456789abcdef_" + String(repeating: "a", count: 43),
        "berth_0123456789ABCDEF_" + String(repeating: "a", count: 43),
        "berth_0123456789abcdef_" + String(repeating: "a", count: 42) + "=",
    ])
    func malformed(_ text: String) {
        #expect(AccessToken(parsing: text) == nil)
    }
}
