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

/// Why a `.dockerignore` line cannot be used. Docker refuses to build with the same line.
public struct IgnoreRulesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number in `.dockerignore`.
    public let line: Int
    /// The line as written (trimmed).
    public let pattern: String
    public let reason: String

    public init(line: Int, pattern: String, reason: String) {
        self.line = line
        self.pattern = pattern
        self.reason = reason
    }

    public var description: String {
        ".dockerignore line \(line): '\(pattern)' is not a valid pattern: \(reason); "
            + "fix or delete that line (docker build rejects it too)"
    }
}

// MARK: - Pattern

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

// MARK: - Go path helpers

enum GoPath {
    /// `strings.TrimSpace`: Go's `unicode.IsSpace` is exactly the Unicode White_Space property.
    static func trimSpace(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = text.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = text.lastIndex(where: { !$0.properties.isWhitespace })
        else { return [] }
        return Array(text[first...last])
    }

    /// `filepath.Clean` on Unix.
    static func clean(_ path: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if path.isEmpty { return ["."] }
        let rooted = path[0] == "/"
        var elements: [ArraySlice<Unicode.Scalar>] = []
        for element in path.split(separator: "/", omittingEmptySubsequences: true) {
            if element.elementsEqual(["."]) { continue }
            if element.elementsEqual([".", "."]) {
                if let last = elements.last, !last.elementsEqual([".", "."]) {
                    elements.removeLast()
                } else if !rooted {
                    elements.append(element)
                }
                continue
            }
            elements.append(element)
        }
        var result: [Unicode.Scalar] = rooted ? ["/"] : []
        result += Array(elements.joined(separator: ["/"]))
        return result.isEmpty ? ["."] : result
    }

    /// `filepath.Dir`.
    static func dir(_ path: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let end = path.lastIndex(of: "/").map { $0 + 1 } ?? 0
        return clean(Array(path[..<end]))
    }

    /// The directories above `path` that Docker tries a pattern on, outermost first: the prefixes of
    /// `filepath.Dir(path)`, or none when that is ".".
    static func ancestors(of path: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        let parent = dir(path)
        if parent == ["."] { return [] }
        var result: [[Unicode.Scalar]] = []
        for (index, character) in parent.enumerated() where character == "/" {
            result.append(Array(parent[..<index]))
        }
        result.append(parent)
        return result
    }
}

// MARK: - filepath.Match syntax

/// The syntax check `patternmatcher.New` does by calling `filepath.Match(pattern, ".")`.
enum GoGlob {
    /// Nil when `filepath.Match` accepts the pattern, else why not.
    static func syntaxProblem(in pattern: [Unicode.Scalar]) -> String? {
        var rest = pattern[...]
        while !rest.isEmpty {
            while rest.first == "*" { rest = rest.dropFirst() }
            let chunkEnd = chunkLength(rest)
            if let problem = chunkProblem(rest.prefix(chunkEnd)) { return problem }
            rest = rest.dropFirst(chunkEnd)
        }
        return nil
    }

    /// `scanChunk`: the length of the chunk up to the next `*` outside brackets.
    private static func chunkLength(_ pattern: ArraySlice<Unicode.Scalar>) -> Int {
        var inRange = false
        var index = pattern.startIndex
        while index < pattern.endIndex {
            switch pattern[index] {
            case "\\":
                if index + 1 < pattern.endIndex { index += 1 }
            case "[":
                inRange = true
            case "]":
                inRange = false
            case "*":
                if !inRange { return index - pattern.startIndex }
            default:
                break
            }
            index += 1
        }
        return pattern.count
    }

    /// The errors `matchChunk` can report, which do not depend on the name being matched.
    private static func chunkProblem(_ chunk: ArraySlice<Unicode.Scalar>) -> String? {
        var chunk = chunk
        while let character = chunk.first {
            switch character {
            case "[":
                chunk = chunk.dropFirst()
                if chunk.first == "^" { chunk = chunk.dropFirst() }
                var rangeCount = 0
                while true {
                    if chunk.first == "]" && rangeCount > 0 {
                        chunk = chunk.dropFirst()
                        break
                    }
                    if let problem = classCharacterProblem(&chunk) { return problem }
                    if chunk.first == "-" {
                        chunk = chunk.dropFirst()
                        if let problem = classCharacterProblem(&chunk) { return problem }
                    }
                    rangeCount += 1
                }
            case "\\":
                chunk = chunk.dropFirst()
                if chunk.isEmpty { return "it ends with a \"\\\" that escapes nothing" }
                chunk = chunk.dropFirst()
            default:
                chunk = chunk.dropFirst()
            }
        }
        return nil
    }

    /// `getEsc`: consumes one character of a bracket expression.
    private static func classCharacterProblem(_ chunk: inout ArraySlice<Unicode.Scalar>) -> String? {
        let unclosed = "a \"[\" character class is not closed by \"]\""
        guard let first = chunk.first else { return unclosed }
        if first == "-" || first == "]" {
            return "a \"[\" character class has a \"\(first)\" where a character is expected (write \"\\\(first)\" "
                + "for the character itself)"
        }
        if first == "\\" {
            chunk = chunk.dropFirst()
            if chunk.isEmpty { return unclosed }
        }
        chunk = chunk.dropFirst()
        return chunk.isEmpty ? unclosed : nil
    }
}

// MARK: - Go regexp

struct GoRegexError: Error {
    var message: String
}

/// The part of Go's `regexp` (RE2 syntax with Go's default Perl flags) that Docker's generated expressions can
/// reach, with Go's semantics: `.` excludes only "\n", `^`/`$` are text anchors, `\d`, `\w`, `\s`, `\b` and
/// POSIX classes are ASCII, `\pL` and friends are Unicode general categories. Matching simulates an NFA, so it is
/// linear in the path length.
struct GoRegex: Sendable {
    enum Assertion: Sendable {
        case beginText, endText, wordBoundary, notWordBoundary
    }

    indirect enum Node {
        case literal(UInt32)
        case characterClass(CharacterClass)
        case anyExceptNewline
        case assertion(Assertion)
        case concatenation([Node])
        case alternation([Node])
        case star(Node)
        case plus(Node)
        case optional(Node)
    }

    enum Instruction: Sendable {
        case character(UInt32)
        case characterClass(CharacterClass)
        case anyExceptNewline
        case assertion(Assertion)
        case split(Int, Int)
        case jump(Int)
        case match
    }

    let program: [Instruction]

    init(_ source: [Unicode.Scalar]) throws(GoRegexError) {
        var parser = GoRegexParser(source.map(\.value))
        let node = try parser.parseWholeExpression()
        var program: [Instruction] = []
        Self.emit(node, into: &program)
        program.append(.match)
        self.program = program
    }

    private static func emit(_ node: Node, into program: inout [Instruction]) {
        switch node {
        case .literal(let value):
            program.append(.character(value))
        case .characterClass(let characterClass):
            program.append(.characterClass(characterClass))
        case .anyExceptNewline:
            program.append(.anyExceptNewline)
        case .assertion(let assertion):
            program.append(.assertion(assertion))
        case .concatenation(let nodes):
            for node in nodes { emit(node, into: &program) }
        case .alternation(let nodes):
            var jumpsToEnd: [Int] = []
            for (index, node) in nodes.enumerated() {
                if index == nodes.count - 1 {
                    emit(node, into: &program)
                } else {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    emit(node, into: &program)
                    jumpsToEnd.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                }
            }
            for jump in jumpsToEnd { program[jump] = .jump(program.count) }
        case .star(let body):
            let split = program.count
            program.append(.split(split + 1, -1))
            emit(body, into: &program)
            program.append(.jump(split))
            program[split] = .split(split + 1, program.count)
        case .plus(let body):
            let start = program.count
            emit(body, into: &program)
            program.append(.split(start, program.count + 1))
        case .optional(let body):
            let split = program.count
            program.append(.split(split + 1, -1))
            emit(body, into: &program)
            program[split] = .split(split + 1, program.count)
        }
    }

    /// `Regexp.MatchString`: whether the expression matches anywhere in `text`.
    func matches(_ text: [Unicode.Scalar]) -> Bool {
        let characters = text.map(\.value)
        var current: [Int] = []
        var next: [Int] = []
        var listedAt = [Int](repeating: -1, count: program.count)
        var found = false

        func add(_ pc: Int, at position: Int, to list: inout [Int], generation: Int) {
            if listedAt[pc] == generation { return }
            listedAt[pc] = generation
            switch program[pc] {
            case .jump(let target):
                add(target, at: position, to: &list, generation: generation)
            case .split(let first, let second):
                add(first, at: position, to: &list, generation: generation)
                add(second, at: position, to: &list, generation: generation)
            case .assertion(let assertion):
                if Self.holds(assertion, at: position, in: characters) {
                    add(pc + 1, at: position, to: &list, generation: generation)
                }
            case .match:
                found = true
            default:
                list.append(pc)
            }
        }

        for position in 0...characters.count {
            // Unanchored search: a match may start anywhere (Docker's expressions begin with "^" anyway).
            add(0, at: position, to: &current, generation: position)
            if found { return true }
            if position == characters.count { break }
            let character = characters[position]
            next.removeAll(keepingCapacity: true)
            for pc in current where Self.accepts(program[pc], character) {
                add(pc + 1, at: position + 1, to: &next, generation: position + 1)
            }
            if found { return true }
            swap(&current, &next)
        }
        return found
    }

    private static func accepts(_ instruction: Instruction, _ character: UInt32) -> Bool {
        switch instruction {
        case .character(let expected): return character == expected
        case .characterClass(let characterClass): return characterClass.contains(character)
        case .anyExceptNewline: return character != 0x0A
        default: return false
        }
    }

    private static func isWordCharacter(_ character: UInt32) -> Bool {
        CharacterClass.perlWord.contains(character)
    }

    private static func holds(_ assertion: Assertion, at position: Int, in text: [UInt32]) -> Bool {
        switch assertion {
        case .beginText:
            return position == 0
        case .endText:
            return position == text.count
        case .wordBoundary, .notWordBoundary:
            let before = position > 0 && isWordCharacter(text[position - 1])
            let after = position < text.count && isWordCharacter(text[position])
            return (before != after) == (assertion == .wordBoundary)
        }
    }
}

/// A set of code points, built the way Go's parser builds a class: a union of items, possibly negated as a whole.
struct CharacterClass: Sendable {
    enum Item: Sendable {
        case range(UInt32, UInt32)
        /// A Go group such as `\d` or `[:alpha:]`: ASCII ranges, or their complement.
        case group([ClosedRange<UInt32>], negated: Bool)
        case category(UnicodeCategory, negated: Bool)
    }

    var items: [Item] = []
    var negated = false

    func contains(_ character: UInt32) -> Bool {
        let inItems = items.contains { item in
            switch item {
            case .range(let low, let high):
                return low <= character && character <= high
            case .group(let ranges, let groupNegated):
                return ranges.contains { $0.contains(character) } != groupNegated
            case .category(let category, let categoryNegated):
                return category.contains(character) != categoryNegated
            }
        }
        return inItems != negated
    }

    static let perlWord = CharacterClass(items: [.group(GoRegexParser.asciiWord, negated: false)])
}

/// A one-letter Unicode general category as Go's `unicode.Categories` defines it (Go's "C" has no unassigned code
/// points), or `Any`.
enum UnicodeCategory: Sendable {
    case other, letter, mark, number, punctuation, symbol, separator, any

    init?(name: String) {
        switch name {
        case "C": self = .other
        case "L": self = .letter
        case "M": self = .mark
        case "N": self = .number
        case "P": self = .punctuation
        case "S": self = .symbol
        case "Z": self = .separator
        case "Any": self = .any
        default: return nil
        }
    }

    func contains(_ character: UInt32) -> Bool {
        if self == .any { return character <= 0x10FFFF }
        // Surrogates are Cs in Go but cannot occur in valid text, which is all a Swift String holds.
        guard let scalar = Unicode.Scalar(character) else { return self == .other }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate:
            return self == .other
        case .unassigned:
            return false
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return self == .letter
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return self == .mark
        case .decimalNumber, .letterNumber, .otherNumber:
            return self == .number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return self == .punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return self == .symbol
        case .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return self == .separator
        @unknown default:
            return false
        }
    }
}

/// A port of the relevant parts of Go's `regexp/syntax` parser (`parse`, `parseClass`, `parseEscape`, ...).
struct GoRegexParser {
    private let source: [UInt32]
    private var index = 0

    init(_ source: [UInt32]) {
        self.source = source
    }

    static let asciiWord: [ClosedRange<UInt32>] = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]

    static let perlGroups: [String: (ranges: [ClosedRange<UInt32>], negated: Bool)] = {
        let digit: [ClosedRange<UInt32>] = [0x30...0x39]
        let space: [ClosedRange<UInt32>] = [0x09...0x0A, 0x0C...0x0D, 0x20...0x20]
        let word = asciiWord
        return [
            "\\d": (digit, false), "\\D": (digit, true),
            "\\s": (space, false), "\\S": (space, true),
            "\\w": (word, false), "\\W": (word, true),
        ]
    }()

    static let posixGroups: [String: [ClosedRange<UInt32>]] = [
        "alnum": [0x30...0x39, 0x41...0x5A, 0x61...0x7A],
        "alpha": [0x41...0x5A, 0x61...0x7A],
        "ascii": [0x00...0x7F],
        "blank": [0x09...0x09, 0x20...0x20],
        "cntrl": [0x00...0x1F, 0x7F...0x7F],
        "digit": [0x30...0x39],
        "graph": [0x21...0x7E],
        "lower": [0x61...0x7A],
        "print": [0x20...0x7E],
        "punct": [0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E],
        "space": [0x09...0x0D, 0x20...0x20],
        "upper": [0x41...0x5A],
        "word": [0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F...0x5F],
        "xdigit": [0x30...0x39, 0x41...0x46, 0x61...0x66],
    ]

    private var current: UInt32? { index < source.count ? source[index] : nil }

    private func character(at offset: Int) -> UInt32? {
        index + offset < source.count ? source[index + offset] : nil
    }

    private func text(_ range: Range<Int>) -> String {
        String(String.UnicodeScalarView(source[range.clamped(to: 0..<source.count)].compactMap(Unicode.Scalar.init)))
    }

    private static func isASCII(_ character: UInt32?, _ ascii: Unicode.Scalar) -> Bool {
        character == ascii.value
    }

    mutating func parseWholeExpression() throws(GoRegexError) -> GoRegex.Node {
        let node = try parseAlternation(depth: 0)
        if index < source.count {
            throw GoRegexError(message: "unexpected )")
        }
        return node
    }

    private mutating func parseAlternation(depth: Int) throws(GoRegexError) -> GoRegex.Node {
        var branches: [GoRegex.Node] = [try parseConcatenation(depth: depth)]
        while Self.isASCII(current, "|") {
            index += 1
            branches.append(try parseConcatenation(depth: depth))
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseConcatenation(depth: Int) throws(GoRegexError) -> GoRegex.Node {
        var nodes: [GoRegex.Node] = []
        var lastWasRepetition = false
        while let scalar = current {
            var isRepetition = false
            switch Unicode.Scalar(scalar) ?? "\u{FFFD}" {
            case "|":
                return .concatenation(nodes)
            case ")":
                if depth == 0 { throw GoRegexError(message: "unexpected )") }
                return .concatenation(nodes)
            case "(":
                if Self.isASCII(character(at: 1), "?") {
                    throw GoRegexError(message: "flag groups are not supported")
                }
                index += 1
                let group = try parseAlternation(depth: depth + 1)
                guard Self.isASCII(current, ")") else { throw GoRegexError(message: "missing closing )") }
                index += 1
                nodes.append(group)
            case "^":
                index += 1
                nodes.append(.assertion(.beginText))
            case "$":
                index += 1
                nodes.append(.assertion(.endText))
            case ".":
                index += 1
                nodes.append(.anyExceptNewline)
            case "[":
                nodes.append(.characterClass(try parseClass()))
            case "*", "+", "?":
                let start = index
                index += 1
                // A trailing "?" makes the repetition non-greedy, which does not change whether it matches.
                if Self.isASCII(current, "?") { index += 1 }
                if lastWasRepetition {
                    throw GoRegexError(message: "invalid nested repetition operator \(text(start..<index))")
                }
                guard let operand = nodes.popLast() else {
                    throw GoRegexError(message: "missing argument to repetition operator \(text(start..<index))")
                }
                switch Unicode.Scalar(scalar) {
                case "*": nodes.append(.star(operand))
                case "+": nodes.append(.plus(operand))
                default: nodes.append(.optional(operand))
                }
                isRepetition = true
            case "\\":
                nodes += try parseBackslash()
            default:
                // Includes "{": Docker escapes every "{" it writes, so a counted repetition never occurs.
                index += 1
                nodes.append(.literal(scalar))
            }
            lastWasRepetition = isRepetition
        }
        return .concatenation(nodes)
    }

    /// A backslash sequence outside a class; `\Q...\E` yields several literals.
    private mutating func parseBackslash() throws(GoRegexError) -> [GoRegex.Node] {
        if let next = character(at: 1) {
            switch Unicode.Scalar(next) ?? "\u{FFFD}" {
            case "A":
                index += 2
                return [.assertion(.beginText)]
            case "z":
                index += 2
                return [.assertion(.endText)]
            case "b":
                index += 2
                return [.assertion(.wordBoundary)]
            case "B":
                index += 2
                return [.assertion(.notWordBoundary)]
            case "C":
                throw GoRegexError(message: "invalid escape sequence \\C")
            case "Q":
                index += 2
                var literals: [GoRegex.Node] = []
                while index < source.count {
                    if Self.isASCII(current, "\\") && Self.isASCII(character(at: 1), "E") {
                        index += 2
                        break
                    }
                    literals.append(.literal(source[index]))
                    index += 1
                }
                return literals
            default:
                break
            }
        }
        var characterClass = CharacterClass()
        if try parseUnicodeClass(into: &characterClass) || parsePerlClass(into: &characterClass) {
            return [.characterClass(characterClass)]
        }
        return [.literal(try parseEscape())]
    }

    /// `parseClass`: a bracket expression starting at `[`.
    private mutating func parseClass() throws(GoRegexError) -> CharacterClass {
        let start = index
        index += 1
        var characterClass = CharacterClass()
        if Self.isASCII(current, "^") {
            characterClass.negated = true
            index += 1
        }
        var first = true
        while current == nil || !Self.isASCII(current, "]") || first {
            first = false
            if Self.isASCII(current, "["), Self.isASCII(character(at: 1), ":"), index + 2 < source.count,
                try parseNamedClass(into: &characterClass)
            {
                continue
            }
            if try parseUnicodeClass(into: &characterClass) { continue }
            if parsePerlClass(into: &characterClass) { continue }
            let rangeStart = index
            let low = try parseClassCharacter(classStart: start)
            var high = low
            if Self.isASCII(current, "-"), let after = character(at: 1), after != Unicode.Scalar("]").value {
                index += 1
                high = try parseClassCharacter(classStart: start)
                if high < low {
                    throw GoRegexError(message: "invalid character class range \(text(rangeStart..<index))")
                }
            }
            characterClass.items.append(.range(low, high))
        }
        index += 1
        return characterClass
    }

    private mutating func parseClassCharacter(classStart: Int) throws(GoRegexError) -> UInt32 {
        guard let character = current else {
            throw GoRegexError(message: "missing closing ] in \(text(classStart..<source.count))")
        }
        if character == Unicode.Scalar("\\").value { return try parseEscape() }
        index += 1
        return character
    }

    /// `parseNamedClass`: `[:alpha:]`, `[:^alpha:]`. Go looks for the closing ":]" anywhere after, as here.
    private mutating func parseNamedClass(into characterClass: inout CharacterClass) throws(GoRegexError) -> Bool {
        let nameStart = index + 2
        var closing: Int?
        var search = nameStart
        while search + 1 < source.count {
            if source[search] == Unicode.Scalar(":").value && source[search + 1] == Unicode.Scalar("]").value {
                closing = search
                break
            }
            search += 1
        }
        guard let closing else { return false }
        var name = text(nameStart..<closing)
        var negated = false
        if name.hasPrefix("^") {
            negated = true
            name.removeFirst()
        }
        guard let ranges = Self.posixGroups[name] else {
            throw GoRegexError(message: "invalid character class range \(text(index..<(closing + 2)))")
        }
        characterClass.items.append(.group(ranges, negated: negated))
        index = closing + 2
        return true
    }

    /// `parseUnicodeClass`: `\pL`, `\PL`, `\p{L}`, `\p{^L}`.
    private mutating func parseUnicodeClass(into characterClass: inout CharacterClass) throws(GoRegexError) -> Bool {
        guard Self.isASCII(current, "\\"),
            Self.isASCII(character(at: 1), "p") || Self.isASCII(character(at: 1), "P")
        else { return false }
        var negated = Self.isASCII(character(at: 1), "P")
        let start = index
        var name: String
        var end: Int
        if Self.isASCII(character(at: 2), "{") {
            guard let closing = source[start...].firstIndex(of: Unicode.Scalar("}").value) else {
                throw GoRegexError(message: "invalid character class range \(text(start..<source.count))")
            }
            name = text((start + 3)..<closing)
            end = closing + 1
        } else {
            end = min(start + 3, source.count)
            name = text((start + 2)..<end)
        }
        if name.hasPrefix("^") {
            negated.toggle()
            name.removeFirst()
        }
        guard let category = UnicodeCategory(name: name) else {
            throw GoRegexError(message: "invalid character class range \(text(start..<end))")
        }
        characterClass.items.append(.category(category, negated: negated))
        index = end
        return true
    }

    /// `parsePerlClassEscape`: `\d`, `\D`, `\s`, `\S`, `\w`, `\W`.
    private mutating func parsePerlClass(into characterClass: inout CharacterClass) -> Bool {
        guard Self.isASCII(current, "\\"), let group = Self.perlGroups[text(index..<(index + 2))] else { return false }
        characterClass.items.append(.group(group.ranges, negated: group.negated))
        index += 2
        return true
    }

    /// `parseEscape`: one escaped character.
    private mutating func parseEscape() throws(GoRegexError) -> UInt32 {
        let start = index
        index += 1
        guard let character = current else { throw GoRegexError(message: "trailing backslash at end of expression") }
        index += 1
        func invalid() -> GoRegexError {
            GoRegexError(message: "invalid escape sequence \(text(start..<index))")
        }
        func octal(_ character: UInt32?) -> UInt32? {
            guard let character, (0x30...0x37).contains(character) else { return nil }
            return character - 0x30
        }
        func hex(_ character: UInt32?) -> UInt32? {
            guard let character else { return nil }
            switch character {
            case 0x30...0x39: return character - 0x30
            case 0x41...0x46: return character - 0x41 + 10
            case 0x61...0x66: return character - 0x61 + 10
            default: return nil
            }
        }
        let isAlphanumeric =
            (0x30...0x39).contains(character) || (0x41...0x5A).contains(character) || (0x61...0x7A).contains(character)
        if character < 0x80 && !isAlphanumeric { return character }
        switch Unicode.Scalar(character) ?? "\u{FFFD}" {
        case "1", "2", "3", "4", "5", "6", "7", "0":
            // A lone non-zero digit would be a backreference, which Go does not support.
            if character != 0x30 && octal(current) == nil { throw invalid() }
            var value = character - 0x30
            for _ in 1..<3 {
                guard let digit = octal(current) else { break }
                value = value * 8 + digit
                index += 1
            }
            return value
        case "x":
            guard current != nil else { throw invalid() }
            if Self.isASCII(current, "{") {
                index += 1
                var value: UInt32 = 0
                var digits = 0
                while true {
                    guard let next = current else { throw invalid() }
                    index += 1
                    if next == Unicode.Scalar("}").value { break }
                    guard let digit = hex(next) else { throw invalid() }
                    value = value * 16 + digit
                    if value > 0x10FFFF { throw invalid() }
                    digits += 1
                }
                if digits == 0 { throw invalid() }
                return value
            }
            let high = hex(current)
            index += 1
            let low = hex(current)
            if current != nil { index += 1 }
            guard let high, let low else { throw invalid() }
            return high * 16 + low
        case "a": return 0x07
        case "f": return 0x0C
        case "n": return 0x0A
        case "r": return 0x0D
        case "t": return 0x09
        case "v": return 0x0B
        default: throw invalid()
        }
    }
}
