/// The lines of a rules file (`_redirects`, `_headers`): each checked, comments and blank lines skipped.
enum RuleFileLines {
    /// Hands every rule line (trimmed) and its number to `body`; a line that is too long, holds control characters,
    /// or that `body` refuses is an error naming `file` and the line.
    static func forEachRule(
        in text: String, file: String, maximumLength: Int,
        _ body: (_ line: String, _ number: Int) throws(RuleTextError) -> Void
    ) throws(ConfigFileError) {
        for (index, line) in split(text).enumerated() {
            let number = index + 1
            do throws(RuleTextError) {
                try check(line, maximumLength: maximumLength)
                let trimmed = line.trimmingWhitespace()
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
                try body(trimmed, number)
            } catch {
                throw ConfigFileError(file: file, line: number, message: error.reason)
            }
        }
    }

    /// Lines split on `\n`, a `\r` before it dropped; a bare `\r` stays, to be refused by `check`.
    private static func split(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
    }

    /// Refuses lines that are too long or hold control characters other than tabs.
    private static func check(_ line: String, maximumLength: Int) throws(RuleTextError) {
        guard line.utf8.count <= maximumLength else {
            throw RuleTextError("the line is longer than \(maximumLength) characters")
        }
        if let bad = line.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) {
            throw RuleTextError("the line holds \(SitePathPattern.describe(bad))")
        }
    }
}
