/// The path of a file inside a site, as a setting names it (`error_page`): relative to the site root, made only of
/// letters, digits, `.`, `_`, `-` and `/`, with no empty, `.` or `..` segment. It is written into the server's
/// configuration, so it can hold nothing that configuration syntax gives a meaning to.
public struct SiteFilePath: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    static let maximumLength = 1024
    static let maximumSegmentLength = 255

    public init(parsing text: String) throws(SiteFilePathError) {
        guard !text.isEmpty else { throw SiteFilePathError(reason: "it is empty") }
        guard text.utf8.count <= Self.maximumLength else {
            throw SiteFilePathError(reason: "it is longer than \(Self.maximumLength) characters")
        }
        if let bad = text.unicodeScalars.first(where: { !Self.isAllowed($0) }) {
            let shown = bad.value < 0x21 || bad.value == 0x7F ? "U+\(String(bad.value, radix: 16, uppercase: true))"
                : "'\(bad)'"
            throw SiteFilePathError(reason: "it holds \(shown); use only letters, digits, '.', '_', '-' and '/'")
        }
        guard !text.hasPrefix("/") else {
            throw SiteFilePathError(reason: "it starts with '/'; write it relative to the site's root, such as "
                + "\(String(text.drop { $0 == "/" }).isEmpty ? "404.html" : String(text.drop { $0 == "/" }))")
        }
        for segment in text.split(separator: "/", omittingEmptySubsequences: false) {
            switch segment {
            case "": throw SiteFilePathError(reason: "it has an empty segment ('//' or a trailing '/')")
            case ".", "..": throw SiteFilePathError(reason: "it has a '\(segment)' segment; name the file directly")
            default:
                guard segment.utf8.count <= Self.maximumSegmentLength else {
                    throw SiteFilePathError(reason: "a segment is longer than \(Self.maximumSegmentLength) characters")
                }
            }
        }
        self.text = text
    }

    /// A path known to be valid, for berth's own defaults.
    init(knownValid text: String) {
        self.text = text
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "." || scalar == "_" || scalar == "-" || scalar == "/"
    }

    public var description: String { text }
}

public struct SiteFilePathError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
