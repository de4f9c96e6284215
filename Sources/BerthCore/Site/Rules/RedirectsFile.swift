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
        try RuleFileLines.forEachRule(in: text, file: file, maximumLength: Self.maximumLineLength) {
            line, number throws(RuleTextError) in
            rules.append(try RedirectRule(line: line, number: number))
        }
        self.rules = rules
    }
}
