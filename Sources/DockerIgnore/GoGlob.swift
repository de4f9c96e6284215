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
