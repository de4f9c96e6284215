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
