/// The query string of an Engine API request, built from ordered name/value pairs.
///
/// Everything outside RFC 3986's unreserved characters is percent-encoded, so `+` goes out as `%2B`
/// (Go's query parser would read a bare `+` as a space) and JSON values survive intact.
struct EngineQuery: Sendable {
    private(set) var items: [(name: String, value: String)] = []

    init() {}

    mutating func add(_ name: String, _ value: String) {
        items.append((name, value))
    }

    mutating func add(_ name: String, _ value: Bool) {
        items.append((name, value ? "1" : "0"))
    }

    mutating func add(_ name: String, _ value: Int) {
        items.append((name, String(value)))
    }

    mutating func add(_ name: String, _ value: Int64) {
        items.append((name, String(value)))
    }

    mutating func addIfPresent(_ name: String, _ value: String?) {
        if let value { add(name, value) }
    }

    var encoded: String {
        items.map { "\(Self.percentEncode($0.name))=\(Self.percentEncode($0.value))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        percentEncode(text, keeping: { isUnreserved($0) })
    }

    /// Encodes one path segment that may itself contain `/` and `:`, as image references do
    /// (`registry:5000/team/site:tag`); the daemon's router matches names with slashes.
    static func percentEncodePath(_ text: String) -> String {
        percentEncode(
            text,
            keeping: {
                isUnreserved($0) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "@")
            })
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func percentEncode(_ text: String, keeping keep: (UInt8) -> Bool) -> String {
        let hexDigits: [Character] = Array("0123456789ABCDEF")
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if keep(byte) {
                result.append(Character(Unicode.Scalar(byte)))
            } else {
                result.append("%")
                result.append(hexDigits[Int(byte >> 4)])
                result.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return result
    }
}
