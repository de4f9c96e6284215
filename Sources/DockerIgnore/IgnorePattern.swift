/// One compiled pattern: `patternmatcher.Pattern`.
struct IgnorePattern: Sendable {
    enum MatchKind: Sendable, Equatable {
        case exact, prefix, suffix, regexp
    }

    /// The pattern after cleaning, without its leading `!`; what Docker's `Pattern.String()` returns.
    let cleaned: [Unicode.Scalar]
    let isExclusion: Bool
    let kind: MatchKind
    /// The Go regular expression Docker builds, even when `kind` lets it skip the regexp.
    let regexSource: String
    let regex: GoRegex?
    let line: Int

    /// `patternmatcher.New` for one pattern, then its `compile`; nil for a pattern `New` skips.
    init?(_ text: String, line: Int, written: String) throws(IgnoreRulesError) {
        var pattern = GoPath.trimSpace(Array(text.unicodeScalars))
        if pattern.isEmpty { return nil }
        // New cleans the pattern again with its "!" still on, so "!/" becomes a lone "!".
        pattern = GoPath.clean(pattern)
        var isExclusion = false
        if pattern[0] == "!" {
            if pattern.count == 1 {
                throw IgnoreRulesError(
                    line: line, pattern: written,
                    reason: "\"!\" must be followed by the path to re-include")
            }
            isExclusion = true
            pattern.removeFirst()
        }
        if let problem = GoGlob.syntaxProblem(in: pattern) {
            throw IgnoreRulesError(line: line, pattern: written, reason: problem)
        }
        self.cleaned = pattern
        self.isExclusion = isExclusion
        self.line = line
        let (kind, source) = Self.compile(pattern)
        self.kind = kind
        self.regexSource = String(String.UnicodeScalarView(source))
        if kind == .regexp {
            do {
                self.regex = try GoRegex(source)
            } catch {
                throw IgnoreRulesError(
                    line: line, pattern: written,
                    reason: "Docker turns it into the regular expression \(regexSource), which Go rejects "
                        + "(\(error.message))")
            }
        } else {
            self.regex = nil
        }
    }

    /// Characters that are special in a regexp but not in a `filepath.Match` pattern (`shouldEscape`).
    private static let regexOnlyMetacharacters: Set<Unicode.Scalar> = [".", "+", "(", ")", "|", "{", "}", "$"]

    /// `Pattern.compile` with "/" as separator.
    static func compile(_ pattern: [Unicode.Scalar]) -> (MatchKind, [Unicode.Scalar]) {
        var source: [Unicode.Scalar] = ["^"]
        var kind = MatchKind.exact
        var index = 0
        // Docker scans the pattern with text/scanner, which silently drops a byte order mark at the very start.
        if pattern.first == "\u{FEFF}" { index = 1 }
        func peek() -> Unicode.Scalar? { index < pattern.count ? pattern[index] : nil }
        var tokenCount = 0
        while index < pattern.count {
            let character = pattern[index]
            index += 1
            if character == "*" {
                if peek() == "*" {
                    index += 1
                    if peek() == "/" { index += 1 }
                    if peek() == nil {
                        if kind == .exact {
                            kind = .prefix
                        } else {
                            source += Array(".*".unicodeScalars)
                            kind = .regexp
                        }
                    } else {
                        source += Array("(.*/)?".unicodeScalars)
                        kind = .regexp
                    }
                    if tokenCount == 0 { kind = .suffix }
                } else {
                    source += Array("[^/]*".unicodeScalars)
                    kind = .regexp
                }
            } else if character == "?" {
                source += Array("[^/]".unicodeScalars)
                kind = .regexp
            } else if regexOnlyMetacharacters.contains(character) {
                source += ["\\", character]
            } else if character == "\\" {
                if let escaped = peek() {
                    index += 1
                    source += ["\\", escaped]
                    kind = .regexp
                } else {
                    source.append("\\")
                }
            } else if character == "[" || character == "]" {
                source.append(character)
                kind = .regexp
            } else {
                source.append(character)
            }
            tokenCount += 1
        }
        if kind == .regexp { source.append("$") }
        return (kind, source)
    }

    /// `Pattern.match`.
    func matches(_ path: [Unicode.Scalar]) -> Bool {
        switch kind {
        case .exact:
            return path == cleaned
        case .prefix:
            return path.starts(with: cleaned.dropLast(2))
        case .suffix:
            // Docker slices off two bytes, which for a pattern starting with a byte order mark leaves a suffix
            // that is not valid UTF-8 and matches nothing.
            if cleaned.first == "\u{FEFF}" { return false }
            let suffix = cleaned.dropFirst(2)
            if path.count >= suffix.count && path.suffix(suffix.count).elementsEqual(suffix) { return true }
            return suffix.first == "/" && path.elementsEqual(suffix.dropFirst())
        case .regexp:
            return regex?.matches(path) ?? false
        }
    }
}
