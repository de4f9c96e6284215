/// A path pattern from `_redirects` or `_headers`: `/`, literal segments, `:name` placeholders (one segment each),
/// and an optional `*` as the last segment (the rest of the path, `:splat` in a target). Literal segments hold only
/// letters, digits and `- . _ ~`, so a pattern can hold nothing nginx's configuration syntax gives a meaning to;
/// the regular expressions it renders to are built here from those pieces, never from the text as written.
public struct SitePathPattern: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case placeholder(String)
    }

    public let segments: [Segment]
    /// Ends with `/*`: matches the path without it and everything below.
    public let hasSplat: Bool
    /// As written, for messages.
    public let text: String

    static let maximumLength = 1024

    public init(parsing text: String) throws(RuleTextError) {
        guard text.hasPrefix("/") else {
            throw RuleTextError("\(ConfigValue.quoted(text)) must be a path starting with /")
        }
        guard text.utf8.count <= Self.maximumLength else {
            throw RuleTextError("the path is longer than \(Self.maximumLength) characters")
        }
        var parts = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // A trailing slash matches the same as none: nginx and berth's patterns both accept either.
        if parts.last == "" { parts.removeLast() }
        var segments: [Segment] = []
        var hasSplat = false
        for (index, part) in parts.enumerated() {
            if part == "*" {
                guard index == parts.count - 1 else {
                    throw RuleTextError("in \(ConfigValue.quoted(text)), '*' may only be the last segment (/blog/*)")
                }
                hasSplat = true
            } else if part.hasPrefix(":") {
                let name = String(part.dropFirst())
                guard Self.isPlaceholderName(name) else {
                    throw RuleTextError("in \(ConfigValue.quoted(text)), the placeholder \(ConfigValue.quoted(part)) "
                        + "must be ':' and a name of letters, digits and '_' starting with a letter")
                }
                guard name != "splat" else {
                    throw RuleTextError("in \(ConfigValue.quoted(text)), ':splat' is what '*' matched; write '*'")
                }
                guard !segments.contains(.placeholder(name)) else {
                    throw RuleTextError("in \(ConfigValue.quoted(text)), the placeholder ':\(name)' appears twice")
                }
                segments.append(.placeholder(name))
            } else {
                try Self.checkLiteral(part, in: text)
                segments.append(.literal(part))
            }
        }
        self.segments = segments
        self.hasSplat = hasSplat
        self.text = text
    }

    public var description: String { text }

    /// Placeholder names in order, `splat` last when the pattern has a `*`.
    public var captureNames: [String] {
        var names = segments.compactMap { segment -> String? in
            if case .placeholder(let name) = segment { return name }
            return nil
        }
        if hasSplat { names.append("splat") }
        return names
    }

    /// The pattern as a PCRE anchored on the whole path. `capture` names the group of each placeholder (by its
    /// index in `captureNames`); nil makes the groups non-capturing.
    func regularExpression(capture: ((Int) -> String)?) -> String {
        var expression = "^"
        var captureIndex = 0
        func group(_ body: String) -> String {
            defer { captureIndex += 1 }
            guard let capture else { return "(?:\(body))" }
            return "(?<\(capture(captureIndex))>\(body))"
        }
        for segment in segments {
            switch segment {
            case .literal(let literal):
                expression += "/" + literal.replacingOccurrences(of: ".", with: "\\.")
            case .placeholder:
                expression += "/" + group("[^/]+")
            }
        }
        if hasSplat {
            expression += segments.isEmpty ? "/" + group(".*") : "(?:/" + group(".*") + ")?"
        } else {
            expression += segments.isEmpty ? "/" : "/?"
        }
        return expression + "$"
    }

    static func isPlaceholderName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 24, isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy(isPlaceholderCharacter)
    }

    /// Letters, digits and `_`: a placeholder's name ends at the first other character (`:splat.html`).
    static func isPlaceholderCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isLetter(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    /// Letters, digits, `- . _ ~`: the unreserved characters of a URL, none of which nginx reads specially.
    static func isLiteralCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isLetter(scalar) || ("0"..."9").contains(scalar) || "-._~".unicodeScalars.contains(scalar)
    }

    static func checkLiteral(_ segment: String, in text: String) throws(RuleTextError) {
        guard !segment.isEmpty else {
            throw RuleTextError("\(ConfigValue.quoted(text)) has an empty segment ('//')")
        }
        guard segment != ".", segment != ".." else {
            throw RuleTextError("\(ConfigValue.quoted(text)) has a '\(segment)' segment")
        }
        if let bad = segment.unicodeScalars.first(where: { !isLiteralCharacter($0) }) {
            throw RuleTextError("\(ConfigValue.quoted(text)) holds \(describe(bad)); a path here may hold only "
                + "letters, digits, '-', '.', '_', '~', '/', ':name' placeholders and a final '*'")
        }
    }

    static func describe(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": "a newline"
        case "\r": "a carriage return"
        case "\t": "a tab"
        case " ": "a space"
        default:
            scalar.value < 0x20 || scalar.value == 0x7F
                ? "the control character U+\(String(scalar.value, radix: 16, uppercase: true))"
                : "'\(scalar)'"
        }
    }
}

/// Why one piece of a rule file is refused; the file and line are added by the file's parser.
public struct RuleTextError: Error, Sendable, Equatable {
    public var reason: String
    init(_ reason: String) { self.reason = reason }
}
