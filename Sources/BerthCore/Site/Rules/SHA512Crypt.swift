import Crypto

/// SHA-512 crypt (`$6$`, Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"), the hash glibc's and musl's
/// crypt(3) check, and so nginx's `auth_basic_user_file` on Debian and Alpine. Written over swift-crypto rather
/// than calling libcrypt, which the one-file build of berth does not link.
public enum SHA512Crypt {
    static let alphabet = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    static let defaultRounds = 5000
    static let maximumSaltLength = 16

    /// A new hash of `password` with a random 16-character salt.
    public static func hash(password: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<maximumSaltLength).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }
        return hash(password: Array(password.utf8), salt: salt)
    }

    /// `$6$[rounds=N$]salt$digest`; `rounds` nil is the default 5000, written without `rounds=`.
    static func hash(password: [UInt8], salt rawSalt: [UInt8], rounds: Int? = nil) -> String {
        let salt = Array(rawSalt.prefix(maximumSaltLength))
        let count = min(max(rounds ?? defaultRounds, 1000), 999_999_999)
        let p = password

        let b = Array(SHA512.hash(data: p + salt + p))
        var a = SHA512()
        a.update(data: p)
        a.update(data: salt)
        a.update(data: repeated(b, toLength: p.count))
        var length = p.count
        while length > 0 {
            a.update(data: length & 1 != 0 ? b : p)
            length >>= 1
        }
        let aDigest = Array(a.finalize())

        var dp = SHA512()
        for _ in 0..<p.count { dp.update(data: p) }
        let pSequence = repeated(Array(dp.finalize()), toLength: p.count)

        var ds = SHA512()
        for _ in 0..<(16 + Int(aDigest[0])) { ds.update(data: salt) }
        let sSequence = repeated(Array(ds.finalize()), toLength: salt.count)

        var c = aDigest
        for round in 0..<count {
            var step = SHA512()
            step.update(data: round & 1 != 0 ? pSequence : c)
            if round % 3 != 0 { step.update(data: sSequence) }
            if round % 7 != 0 { step.update(data: pSequence) }
            step.update(data: round & 1 != 0 ? c : pSequence)
            c = Array(step.finalize())
        }

        var text = "$6$"
        if let rounds { text += "rounds=\(min(max(rounds, 1000), 999_999_999))$" }
        text += String(decoding: salt, as: UTF8.self) + "$"
        var encoded: [UInt8] = []
        func encode(_ b2: UInt8, _ b1: UInt8, _ b0: UInt8, _ characters: Int) {
            var word = UInt32(b2) << 16 | UInt32(b1) << 8 | UInt32(b0)
            for _ in 0..<characters {
                encoded.append(alphabet[Int(word & 0x3F)])
                word >>= 6
            }
        }
        // The digest's bytes are written in this interleaved order, three at a time.
        var first = 0, second = 21, third = 42
        for _ in 0..<21 {
            encode(c[first], c[second], c[third], 4)
            (first, second, third) = (second + 1, third + 1, first + 1)
        }
        encode(0, 0, c[63], 2)
        return text + String(decoding: encoded, as: UTF8.self)
    }

    private static func repeated(_ bytes: [UInt8], toLength length: Int) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(length)
        while result.count < length { result += bytes.prefix(length - result.count) }
        return result
    }
}
