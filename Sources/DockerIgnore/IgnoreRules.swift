/// The patterns of a `.dockerignore` file, applied exactly as Docker applies them when it sends a build context.
///
/// This is a port of Docker's own code rather than a reimplementation of the documented rules, because the
/// documentation leaves out many behaviours people rely on (or trip over):
/// - the reader is `moby/patternmatcher/ignorefile.ReadAll`: `#` starts a comment only in the first column, lines are
///   trimmed, cleaned like `filepath.Clean`, and a leading `/` is dropped;
/// - each pattern is checked like `filepath.Match` and then turned into a Go regular expression exactly as
///   `moby/patternmatcher` does, so Go regexp quirks carry over (`\d` is a digit class, `[[:alpha:]]` a POSIX class);
/// - a path is tested as the context walk of `docker build` tests it (`TarWithOptions` with
///   `MatchesUsingParentResults`): each pattern is tried on the path and on every directory above it.
public struct IgnoreRules: Sendable {
    public static let empty = IgnoreRules(patterns: [])

    let patterns: [IgnorePattern]
    /// Whether any pattern starts with `!`; Docker's `PatternMatcher.Exclusions()`.
    let hasExclusions: Bool

    init(patterns: [IgnorePattern]) {
        self.patterns = patterns
        self.hasExclusions = patterns.contains { $0.isExclusion }
    }

    /// Parses .dockerignore text. Throws `IgnoreRulesError` naming the 1-based line and the pattern for an invalid
    /// pattern (e.g. bad `[` class, trailing backslash) — Docker rejects those too.
    public init(dockerignore text: String) throws(IgnoreRulesError) {
        var patterns: [IgnorePattern] = []
        for line in try Self.readLines(text) {
            if let pattern = try IgnorePattern(line.pattern, line: line.number, written: line.written) {
                patterns.append(pattern)
            }
        }
        self.init(patterns: patterns)
    }

    /// Whether `path` is left out of the build context. `path` is relative to the context root, "/"-separated,
    /// without leading "./" or "/".
    ///
    /// This is the result the `docker build` walk computes: `MatchesUsingParentResults` fed with the results of
    /// every directory above `path`. It equals `MatchesOrParentMatches` except when a pattern that matches a parent
    /// directory was not consulted there (e.g. `d/f` then `!d`: Docker excludes `d/f`).
    public func excludes(_ path: String) -> Bool {
        guard !path.isEmpty, path != "." else { return false }
        let file = Array(path.unicodeScalars)
        var parentResults: [Bool] = []
        for ancestor in GoPath.ancestors(of: file) {
            parentResults = matchesUsingParentResults(ancestor, parentResults: parentResults).perPattern
        }
        return matchesUsingParentResults(file, parentResults: parentResults).matched
    }

    /// When a directory is excluded: must the walk still descend into it because an exclusion pattern may re-include
    /// something below it?
    ///
    /// Docker descends only when some `!` pattern, read as text, starts with `path/` (or is `path`), so `docs` with
    /// `!docs/*.md` descends but `docs` with `!**/*.md` does not, and nothing below `docs` is sent.
    public func mustDescend(intoExcludedDirectory path: String) -> Bool {
        guard hasExclusions else { return false }
        let directoryWithSlash = Array(path.unicodeScalars) + ["/"]
        return patterns.contains { pattern in
            pattern.isExclusion && (pattern.cleaned + ["/"]).starts(with: directoryWithSlash)
        }
    }

    /// Whether the last pattern that matches `path` itself is a `!` one: the explicit re-inclusion berth asks for
    /// before it ships a path it leaves out by default (a `.git` directory).
    public func reincludes(_ path: String) -> Bool {
        let file = Array(path.unicodeScalars)
        return patterns.last { $0.matches(file) }?.isExclusion ?? false
    }

    // MARK: - PatternMatcher

    /// `PatternMatcher.MatchesOrParentMatches`.
    func matchesOrParentMatches(_ path: String) -> Bool {
        let file = Array(path.unicodeScalars)
        let ancestors = GoPath.ancestors(of: file)
        var matched = false
        for pattern in patterns {
            // An inclusion that already matched, or an exclusion with nothing to undo, cannot change the result.
            if pattern.isExclusion != matched { continue }
            let match = pattern.matches(file) || ancestors.contains { pattern.matches($0) }
            if match { matched = !pattern.isExclusion }
        }
        return matched
    }

    /// `PatternMatcher.MatchesExact`.
    func matchesExact(_ path: String) -> Bool {
        let file = Array(path.unicodeScalars)
        var matched = false
        for pattern in patterns where pattern.isExclusion == matched {
            if pattern.matches(file) { matched = !pattern.isExclusion }
        }
        return matched
    }

    /// `PatternMatcher.MatchesUsingParentResults`. An empty `parentResults` means "nothing known about the parents",
    /// in which case every parent directory is tried, as Docker does.
    func matchesUsingParentResults(
        _ file: [Unicode.Scalar], parentResults: [Bool]
    ) -> (matched: Bool, perPattern: [Bool]) {
        var matched = false
        var perPattern = [Bool](repeating: false, count: patterns.count)
        let knowsParents = parentResults.count == patterns.count && !parentResults.isEmpty
        for (index, pattern) in patterns.enumerated() {
            var match = knowsParents && parentResults[index]
            if !match {
                if pattern.isExclusion != matched { continue }
                match = pattern.matches(file)
                if !match && !knowsParents {
                    match = GoPath.ancestors(of: file).contains { pattern.matches($0) }
                }
            }
            perPattern[index] = match
            if match { matched = !pattern.isExclusion }
        }
        return (matched, perPattern)
    }

    // MARK: - ignorefile.ReadAll

    struct Line: Equatable {
        var number: Int
        /// The pattern as `ReadAll` returns it: trimmed, cleaned, without a leading "/", `!` kept.
        var pattern: String
        /// The line as written, trimmed, for error messages.
        var written: String
    }

    /// bufio.Scanner's default limit: a longer line makes `ReadAll`, and so `docker build`, fail.
    static let maximumLineBytes = 64 * 1024 - 1

    /// `ignorefile.ReadAll`, keeping the line each pattern came from.
    static func readLines(_ text: String) throws(IgnoreRulesError) -> [Line] {
        var lines: [Line] = []
        let bytes = Array(text.utf8)
        var lineStart = 0
        var number = 0
        while lineStart < bytes.count {
            let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var content = bytes[lineStart..<newline]
            lineStart = newline + 1
            number += 1
            if content.count > maximumLineBytes {
                let written = String(decoding: content.prefix(40), as: UTF8.self) + "…"
                throw IgnoreRulesError(
                    line: number, pattern: written,
                    reason: "the line is longer than \(maximumLineBytes) bytes, more than Docker's .dockerignore "
                        + "reader accepts")
            }
            if content.last == UInt8(ascii: "\r") { content = content.dropLast() }
            if number == 1 && content.starts(with: [0xEF, 0xBB, 0xBF]) { content = content.dropFirst(3) }
            // Only a "#" in the very first column starts a comment: "  # x" is the pattern "# x".
            if content.first == UInt8(ascii: "#") { continue }
            var pattern = GoPath.trimSpace(Array(String(decoding: content, as: UTF8.self).unicodeScalars))
            if pattern.isEmpty { continue }
            let written = String(String.UnicodeScalarView(pattern))
            let inverted = pattern[0] == "!"
            if inverted { pattern = GoPath.trimSpace(Array(pattern.dropFirst())) }
            if !pattern.isEmpty {
                pattern = GoPath.clean(pattern)
                if pattern.count > 1 && pattern[0] == "/" { pattern.removeFirst() }
            }
            if inverted { pattern.insert("!", at: 0) }
            lines.append(Line(number: number, pattern: String(String.UnicodeScalarView(pattern)), written: written))
        }
        return lines
    }
}
