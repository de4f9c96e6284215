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
