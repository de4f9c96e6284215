/// One line of a site's `_redirects` (Netlify's format): requests matching `from` are redirected, rewritten or
/// answered 404 with a page. By default a rule applies only where no file answers the path (Netlify's shadowing);
/// `force` (a status written with `!`, such as `301!`) applies it even where a file does.
public struct RedirectRule: Sendable, Hashable {
    public enum Status: Int, Sendable, CaseIterable {
        case movedPermanently = 301
        case found = 302
        case temporaryRedirect = 307
        case permanentRedirect = 308
        /// A rewrite: the target's content is served under the requested path.
        case rewrite = 200
        /// The target page is served with status 404.
        case notFound = 404

        var isRedirect: Bool { self != .rewrite && self != .notFound }
    }

    public var from: SitePathPattern
    public var to: RedirectTarget
    public var status: Status
    public var force: Bool
    /// The line of `_redirects` it came from.
    public var line: Int

    /// Parses one non-comment line, the `number`th of its file.
    init(line text: String, number: Int) throws(RuleTextError) {
        var fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if let comment = fields.firstIndex(where: { $0.hasPrefix("#") }) { fields.removeSubrange(comment...) }
        guard fields.count >= 2 else {
            throw RuleTextError("a rule is FROM TO [STATUS], such as: /old /new 301")
        }
        if fields[0].hasPrefix("http://") || fields[0].hasPrefix("https://") {
            throw RuleTextError("FROM \(ConfigValue.quoted(fields[0])) names a domain; berth's rules match paths of "
                + "this site only (start FROM with /)")
        }
        if fields[1].contains("=") {
            throw RuleTextError("query-string conditions (\(ConfigValue.quoted(fields[1]))) are not supported; "
                + "berth matches the path only and passes the query string on")
        }
        guard fields.count <= 3 else {
            throw RuleTextError("\(ConfigValue.quoted(fields[3])): conditions (Country=, Language=, Role=, …) and "
                + "other extra fields are not supported; a rule is FROM TO [STATUS]")
        }
        from = try SitePathPattern(parsing: fields[0])
        (status, force) = try Self.status(fields.count == 3 ? fields[2] : "301")
        to = try RedirectTarget(parsing: fields[1], captures: from.captureNames)
        line = number
        switch (status, to) {
        case (.rewrite, .url):
            throw RuleTextError("a 200 rewrite to another site is a proxy, which berth does not do; "
                + "use 301, 302, 307 or 308 to send the browser there")
        case (.notFound, .url):
            throw RuleTextError("a 404 rule names a page of this site (such as /404.html), not another site")
        case (.notFound, _) where to.usesCaptures:
            throw RuleTextError("a 404 rule names one page; placeholders and :splat are not allowed in its target")
        default: break
        }
    }

    private static func status(_ text: String) throws(RuleTextError) -> (Status, Bool) {
        let force = text.hasSuffix("!")
        let digits = force ? String(text.dropLast()) : text
        guard digits.utf8.count == 3, digits.allSatisfy(\.isASCII), let code = Int(digits),
              let status = Status(rawValue: code) else {
            let known = Status.allCases.map { String($0.rawValue) }.joined(separator: ", ")
            throw RuleTextError("status \(ConfigValue.quoted(text)) is not one berth serves; use one of \(known) "
                + "(with '!' to apply it even where a file exists)")
        }
        return (status, force)
    }
}

/// Where a redirect rule sends a request: a path of this site or an `http(s)://` URL, each a sequence of literal
/// text and the placeholders of the rule's pattern.
public enum RedirectTarget: Sendable, Hashable {
    public enum Piece: Sendable, Hashable {
        case literal(String)
        /// The capture of the pattern's placeholder at this index of `SitePathPattern.captureNames`.
        case capture(Int)
    }

    case path([Piece])
    /// `origin` is `http(s)://host[:port]`, already checked; the pieces are the path after it.
    case url(origin: String, path: [Piece])

    static let maximumLength = 2048

    init(parsing text: String, captures: [String]) throws(RuleTextError) {
        guard text.utf8.count <= Self.maximumLength else {
            throw RuleTextError("TO is longer than \(Self.maximumLength) characters")
        }
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            let host = String(rest[..<hostEnd])
            guard Self.isHostAndPort(host) else {
                throw RuleTextError("in TO \(ConfigValue.quoted(text)), \(ConfigValue.quoted(host)) is not a host "
                    + "name (letters, digits, '-' and '.', with an optional :port)")
            }
            let path = String(rest[hostEnd...])
            self = .url(origin: scheme + host,
                        path: path.isEmpty ? [.literal("/")] : try Self.pieces(path, of: text, captures: captures))
            return
        }
        guard text.hasPrefix("/") else {
            throw RuleTextError("TO \(ConfigValue.quoted(text)) must be a path starting with / or an http(s):// URL")
        }
        self = .path(try Self.pieces(text, of: text, captures: captures))
    }

    var usesCaptures: Bool {
        let pieces: [Piece]
        switch self {
        case .path(let path): pieces = path
        case .url(_, let path): pieces = path
        }
        return pieces.contains { if case .capture = $0 { true } else { false } }
    }

    private static func pieces(_ path: String, of text: String, captures: [String]) throws(RuleTextError) -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var scalars = Substring(path).unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            if scalar == ":" {
                var name = ""
                while let next = scalars.first, SitePathPattern.isPlaceholderCharacter(next) {
                    name.unicodeScalars.append(next)
                    scalars.removeFirst()
                }
                guard let index = captures.firstIndex(of: name) else {
                    let known = captures.isEmpty ? "FROM has none" : "FROM has " + captures.map { ":" + $0 }
                        .joined(separator: ", ")
                    throw RuleTextError("TO \(ConfigValue.quoted(text)) uses \(ConfigValue.quoted(":" + name)), "
                        + "which FROM does not capture (\(known); '*' in FROM is :splat)")
                }
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = ""
                pieces.append(.capture(index))
            } else if scalar == "?" || scalar == "#" {
                throw RuleTextError("TO \(ConfigValue.quoted(text)) has a query string or fragment, which berth does "
                    + "not support; the request's own query string is passed on")
            } else if scalar == "/" || SitePathPattern.isLiteralCharacter(scalar) {
                literal.unicodeScalars.append(scalar)
            } else {
                throw RuleTextError("TO \(ConfigValue.quoted(text)) holds \(SitePathPattern.describe(scalar)); a path "
                    + "here may hold only letters, digits, '-', '.', '_', '~', '/' and ':placeholders'")
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        guard !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            throw RuleTextError("TO \(ConfigValue.quoted(text)) has a '.' or '..' segment")
        }
        return pieces
    }

    static func isHostAndPort(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first, !host.isEmpty, host.utf8.count <= 253 else { return false }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port), parts[1].allSatisfy(\.isASCII) else {
                return false
            }
        }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.unicodeScalars.first, let last = label.unicodeScalars.last, label.utf8.count <= 63,
                  first != "-", last != "-" else { return false }
            return label.unicodeScalars.allSatisfy { scalar in
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "-"
            }
        }
    }
}
