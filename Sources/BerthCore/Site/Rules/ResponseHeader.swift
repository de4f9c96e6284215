/// A response header name a site may set: letters, digits and dashes (the tokens real headers use), never a
/// header that frames the message, belongs to one connection, or that the server itself sets.
public struct ResponseHeaderName: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    /// Lower-case, for comparing: header names are case-insensitive.
    public var key: String { text.lowercased() }

    static let maximumLength = 64

    /// Hop-by-hop and framing headers, and those nginx writes itself (a second copy would contradict it).
    static let refused: [String: String] = {
        var refused: [String: String] = [:]
        for name in ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
                     "proxy-authenticate", "proxy-authorization"] {
            refused[name] = "it is a hop-by-hop header, which belongs to one connection, not to the site"
        }
        for name in ["content-length", "content-encoding", "content-range", "content-type"] {
            refused[name] = "it describes the body's framing or type, which the server sets from the file itself"
        }
        for name in ["date", "server", "etag", "last-modified", "location", "www-authenticate", "accept-ranges",
                     "host", "status"] {
            refused[name] = "the server sets it (or it is not a response header)"
        }
        refused["basic-auth"] = "passwords do not belong in _headers; protect paths with basic_auth in berth.yml "
            + "(hashes made by berth passwd)"
        return refused
    }()

    public init(parsing text: String) throws(RuleTextError) {
        guard !text.isEmpty, text.utf8.count <= Self.maximumLength else {
            throw RuleTextError("a header name has 1 to \(Self.maximumLength) characters")
        }
        if let bad = text.unicodeScalars.first(where: { !Self.isNameCharacter($0) }) {
            throw RuleTextError("header name \(ConfigValue.quoted(text)) holds \(SitePathPattern.describe(bad)); "
                + "a header name here is letters, digits and '-'")
        }
        if let reason = Self.refused[text.lowercased()] {
            throw RuleTextError("header \(text) cannot be set: \(reason)")
        }
        self.text = text
    }

    init(knownValid text: String) {
        self.text = text
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
    }

    public var description: String { text }
}

/// A response header value: printable ASCII (space to `~`) without `"`, `\` and `$`, so that it can stand in a
/// quoted nginx string as it is (`;`, `{`, `}` and `'` mean nothing there), at most 2048 characters.
public struct ResponseHeaderValue: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    static let maximumLength = 2048

    public init(parsing raw: String) throws(RuleTextError) {
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty else {
            throw RuleTextError("the header has no value; to leave a header out on these paths write '! Name'")
        }
        guard text.utf8.count <= Self.maximumLength else {
            throw RuleTextError("the header value is longer than \(Self.maximumLength) characters")
        }
        if let bad = text.unicodeScalars.first(where: { !Self.isValueCharacter($0) }) {
            throw RuleTextError("the header value holds \(SitePathPattern.describe(bad)); a value here is printable "
                + "ASCII without '\"', '\\' and '$'")
        }
        self.text = text
    }

    init(knownValid text: String) {
        self.text = text
    }

    private static func isValueCharacter(_ scalar: Unicode.Scalar) -> Bool {
        (0x20...0x7E).contains(scalar.value) && scalar != "\"" && scalar != "\\" && scalar != "$"
    }

    public var description: String { text }
}
