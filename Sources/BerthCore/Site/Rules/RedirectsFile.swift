/// A site's `_redirects`: its rules in file order (the first that matches a request wins). Every line is either a
/// rule berth honours, a comment or blank; anything else is an error naming the file and the line.
public struct RedirectsFile: Sendable, Equatable {
    public static let fileName = "_redirects"
    static let maximumLineLength = 4096

    public var rules: [RedirectRule]

    public init(rules: [RedirectRule] = []) {
        self.rules = rules
    }

    /// `file` names the file in errors.
    public init(text: String, file: String) throws(ConfigFileError) {
        var rules: [RedirectRule] = []
        for (index, line) in RuleFileLines.split(text).enumerated() {
            let number = index + 1
            do throws(RuleTextError) {
                try RuleFileLines.check(line, maximumLength: Self.maximumLineLength)
                let trimmed = line.trimmingWhitespace()
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
                rules.append(try RedirectRule(line: trimmed, number: number))
            } catch {
                throw ConfigFileError(file: file, line: number, message: error.reason)
            }
        }
        self.rules = rules
    }
}

/// The line handling `_redirects` and `_headers` share.
enum RuleFileLines {
    /// Lines split on `\n`, a `\r` before it dropped; a bare `\r` stays, to be refused by `check`.
    static func split(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
    }

    /// Refuses lines that are too long or hold control characters other than tabs.
    static func check(_ line: String, maximumLength: Int) throws(RuleTextError) {
        guard line.utf8.count <= maximumLength else {
            throw RuleTextError("the line is longer than \(maximumLength) characters")
        }
        if let bad = line.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) {
            throw RuleTextError("the line holds \(SitePathPattern.describe(bad))")
        }
    }
}
