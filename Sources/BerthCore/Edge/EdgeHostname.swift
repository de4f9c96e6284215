/// A name the edge serves a site under (`blog--ann.sites.example.com`, `www.ann.dev`): lower-case DNS labels of
/// letters, digits and inner dashes, 1–63 characters each, at least two labels, at most 253 characters in all.
/// No wildcards and nothing else, so that it can go into the edge's configuration as it is. Upper-case input is
/// lower-cased; a trailing dot (the DNS root) is dropped.
public struct EdgeHostname: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let name: String

    public init(parsing text: String) throws(EdgeHostnameError) {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { throw EdgeHostnameError(text: text, reason: "it is empty") }
        guard !name.contains("*") else {
            throw EdgeHostnameError(text: text, reason: "wildcards are not allowed for a site; name each host")
        }
        guard name.utf8.count <= 253 else {
            throw EdgeHostnameError(text: text, reason: "it is longer than 253 characters")
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else {
            throw EdgeHostnameError(text: text, reason: "it needs a domain (at least two labels, such as blog.example.com)")
        }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63 else {
                throw EdgeHostnameError(text: text, reason: "each dot-separated label has 1 to 63 characters")
            }
            guard label.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }) else {
                throw EdgeHostnameError(text: text, reason: "only letters a-z, digits, dashes and dots are allowed "
                    + "(write internationalized names in their xn-- form)")
            }
            guard label.first != "-", label.last != "-" else {
                throw EdgeHostnameError(text: text, reason: "a label cannot start or end with a dash")
            }
        }
        guard labels.last?.allSatisfy(\.isNumber) == false else {
            throw EdgeHostnameError(text: text, reason: "it looks like an IP address; the edge serves names")
        }
        self.name = name
    }

    /// The name a site gets under the edge's domain: `SITE--USER.DOMAIN`, one label deep so that one wildcard
    /// certificate for `*.DOMAIN` covers every site.
    public static func defaultName(for identity: SiteIdentity, domain: EdgeHostname) throws(EdgeHostnameError)
        -> EdgeHostname
    {
        try EdgeHostname(parsing: "\(identity.site)--\(identity.user).\(domain.name)")
    }

    public var description: String { name }

    public static func < (lhs: EdgeHostname, rhs: EdgeHostname) -> Bool { lhs.name < rhs.name }
}

public struct EdgeHostnameError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public var description: String { "'\(text)' is not a valid host name: \(reason)" }
}
