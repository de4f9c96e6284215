import Crypto
import Foundation

/// A bearer token: `berth_ID_SECRET`, ID 16 hex digits (public: it names the token in lists and the audit log),
/// SECRET 256 random bits in base64url. Only SHA-256 of the secret is stored; it is compared in constant time.
struct AccessToken: Sendable {
    let id: String
    let secret: String

    var text: String { "berth_\(id)_\(secret)" }

    static func generate() -> AccessToken {
        var generator = SystemRandomNumberGenerator()
        let idBytes = (0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secretBytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let id = idBytes.map { String(format: "%02x", $0) }.joined()
        let secret = Data(secretBytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return AccessToken(id: id, secret: secret)
    }

    /// nil unless the text has the token's exact shape.
    init?(parsing text: String) {
        let parts = text.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "berth", parts[1].count == 16,
              parts[1].allSatisfy({ $0.isHexDigit && ($0.isNumber || $0.isLowercase) }),
              parts[2].count == 43, parts[2].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        id = String(parts[1])
        secret = String(parts[2])
    }

    private init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    var hash: String { Self.hash(secret) }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// True when the secret's hash is `stored`, taking the same time wherever the two differ.
    func matches(storedHash stored: String) -> Bool {
        let computed = Array(hash.utf8)
        let expected = Array(stored.utf8)
        guard computed.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in computed.indices { difference |= computed[index] ^ expected[index] }
        return difference == 0
    }
}
