/// A Docker image reference, `[registry[:port]/]path[:tag][@sha256:hex]`, parsed by the grammar of
/// `distribution/reference`. It is written into the Dockerfile's `FROM`, so nothing outside that grammar (a space,
/// a newline, a quote) can ever reach it.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// `registry.example.com:5000`, `localhost:5000`; nil for Docker Hub.
    public let registry: String?
    /// Lower-case components joined by `/`, such as `library/nginx` or `berth-test/nginx`.
    public let path: String
    public let tag: String?
    /// `sha256:` and 64 lower-case hex digits.
    public let digest: String?

    /// The longest name (registry and path) `distribution/reference` accepts.
    static let maximumNameLength = 255

    public init(parsing text: String) throws(ImageReferenceError) {
        func fail(_ reason: String) -> ImageReferenceError {
            ImageReferenceError(value: text, source: nil, reason: reason)
        }
        guard !text.isEmpty else { throw fail("it is empty") }
        if let odd = text.unicodeScalars.first(where: { !$0.isASCII || $0.value <= 0x20 || $0.value == 0x7F }) {
            throw fail("it holds \(Self.describe(odd)); an image reference has no spaces or control characters")
        }
        var rest = Substring(text)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let digestText = String(rest[rest.index(after: at)...])
            guard Self.isSHA256Digest(digestText) else {
                throw fail("the digest after '@' must be sha256: followed by 64 lower-case hex digits")
            }
            digest = digestText
            rest = rest[..<at]
        }
        var tag: String?
        // A ':' after the last '/' starts the tag; one before it belongs to a registry's port.
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let tagText = String(rest[rest.index(after: colon)...])
            guard Self.isTag(tagText) else {
                throw fail("the tag '\(tagText)' may hold only letters, digits, '_', '.' and '-' (at most 128, "
                    + "not starting with '.' or '-')")
            }
            tag = tagText
            rest = rest[..<colon]
        }
        guard rest.count <= Self.maximumNameLength else {
            throw fail("the name is longer than \(Self.maximumNameLength) characters")
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var registry: String?
        if components.count > 1, let first = components.first,
           first.contains(".") || first.contains(":") || first == "localhost" {
            guard Self.isRegistry(first) else {
                throw fail("the registry '\(first)' must be a host name with an optional :port")
            }
            registry = first
            components.removeFirst()
        }
        for component in components where !Self.isPathComponent(component) {
            throw fail(component.isEmpty
                ? "it has an empty path component"
                : "the path component '\(component)' must be lower-case letters and digits, separated by '.', '_', "
                    + "'__' or dashes")
        }
        self.registry = registry
        self.path = components.joined(separator: "/")
        self.tag = tag
        self.digest = digest
    }

    /// A reference known to be valid, for berth's own defaults.
    init(knownValid path: String, tag: String) {
        self.registry = nil
        self.path = path
        self.tag = tag
        self.digest = nil
    }

    public var description: String {
        var text = registry.map { $0 + "/" } ?? ""
        text += path
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest }
        return text
    }

    // MARK: - The grammar

    private static func isLowerAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// `alpha-numeric (separator alpha-numeric)*`, separator = `[_.]|__|[-]+`.
    static func isPathComponent(_ component: String) -> Bool {
        let scalars = Array(component.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last,
              isLowerAlphanumeric(first), isLowerAlphanumeric(last) else { return false }
        var index = 0
        while index < scalars.count {
            if isLowerAlphanumeric(scalars[index]) {
                index += 1
                continue
            }
            var separator = ""
            while index < scalars.count, !isLowerAlphanumeric(scalars[index]) {
                separator.unicodeScalars.append(scalars[index])
                index += 1
            }
            let dashes = !separator.isEmpty && separator.allSatisfy { $0 == "-" }
            guard separator == "." || separator == "_" || separator == "__" || dashes else { return false }
        }
        return true
    }

    /// `[\w][\w.-]{0,127}`.
    static func isTag(_ tag: String) -> Bool {
        let scalars = Array(tag.unicodeScalars)
        let word = { (scalar: Unicode.Scalar) in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_"
        }
        guard let first = scalars.first, word(first), scalars.count <= 128 else { return false }
        return scalars.allSatisfy { word($0) || $0 == "." || $0 == "-" }
    }

    /// `domain-component ('.' domain-component)* (':' port)?`; a component is letters, digits and inner dashes.
    static func isRegistry(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port), parts[1].allSatisfy(\.isASCII) else {
                return false
            }
        }
        return parts[0].split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let scalars = Array(label.unicodeScalars)
            let alphanumeric = { (scalar: Unicode.Scalar) in
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            }
            guard let first = scalars.first, let last = scalars.last, alphanumeric(first), alphanumeric(last) else {
                return false
            }
            return scalars.allSatisfy { alphanumeric($0) || $0 == "-" }
        }
    }

    static func isSHA256Digest(_ text: String) -> Bool {
        guard text.hasPrefix("sha256:") else { return false }
        let hex = text.dropFirst("sha256:".count)
        return hex.count == 64 && hex.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    private static func describe(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": "a newline"
        case "\r": "a carriage return"
        case "\t": "a tab"
        case " ": "a space"
        default: scalar.isASCII ? "the control character U+\(String(scalar.value, radix: 16, uppercase: true))"
            : "the non-ASCII character '\(scalar)'"
        }
    }
}

/// A base image that is not a valid image reference, named with where it came from.
public struct ImageReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var value: String
    /// `--base-image`, `BERTH_NGINX_IMAGE`, …; nil while not yet known.
    public var source: String?
    public var reason: String

    public init(value: String, source: String?, reason: String) {
        self.value = value
        self.source = source
        self.reason = reason
    }

    public var description: String {
        let origin = source.map { " (from \($0))" } ?? ""
        return "image \(ConfigValue.quoted(value))\(origin) is not a valid image reference: \(reason); "
            + "give one such as nginx:1.27-alpine or registry.example.com:5000/team/nginx:1.27"
    }
}
