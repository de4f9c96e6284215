/// A site's `_headers` (Netlify's format): a path pattern on a line of its own, then its headers, one
/// `Name: value` a line, indented; `! Name` leaves a header (such as one of berth's defaults) out on those paths.
/// For each header the first pattern in the file that matches the served path gives its value.
public struct HeadersFile: Sendable, Equatable {
    public static let fileName = "_headers"
    static let maximumLineLength = 4096

    public struct Rule: Sendable, Equatable {
        public var pattern: SitePathPattern
        /// nil: the header is left out on these paths.
        public var headers: [(name: ResponseHeaderName, value: ResponseHeaderValue?)]
        public var line: Int

        public static func == (left: Rule, right: Rule) -> Bool {
            left.pattern == right.pattern && left.line == right.line
                && left.headers.map(\.name) == right.headers.map(\.name)
                && left.headers.map(\.value) == right.headers.map(\.value)
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule] = []) {
        self.rules = rules
    }

    public init(text: String, file: String) throws(ConfigFileError) {
        var rules: [Rule] = []
        try RuleFileLines.forEachRule(in: text, file: file, maximumLength: Self.maximumLineLength) {
            trimmed, number throws(RuleTextError) in
            if trimmed.hasPrefix("/") || trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://") {
                guard !trimmed.hasPrefix("http"), !trimmed.contains(where: { $0 == " " || $0 == "\t" }) else {
                    throw RuleTextError("a path line holds one path of this site, such as /assets/*")
                }
                rules.append(Rule(pattern: try SitePathPattern(parsing: trimmed), headers: [], line: number))
                return
            }
            guard !rules.isEmpty else {
                throw RuleTextError("a header line must come after the path it applies to (a line such as /*)")
            }
            try Self.add(trimmed, to: &rules[rules.count - 1])
        }
        if let empty = rules.first(where: { $0.headers.isEmpty }) {
            throw ConfigFileError(file: file, line: empty.line,
                                  message: "the path \(ConfigValue.quoted(empty.pattern.text)) has no header lines "
                                    + "under it")
        }
        self.rules = rules
    }

    /// Adds `Name: value` or `! Name`; the same header twice under one path is one header, its values joined with
    /// ", " (as HTTP combines repeated fields).
    private static func add(_ line: String, to rule: inout Rule) throws(RuleTextError) {
        let name: ResponseHeaderName
        var value: ResponseHeaderValue?
        if line.hasPrefix("!") {
            name = try ResponseHeaderName(parsing: line.dropFirst().trimmingWhitespace())
        } else {
            guard let colon = line.firstIndex(of: ":") else {
                throw RuleTextError("\(ConfigValue.quoted(line)) is neither a path (starting with /) nor a header "
                    + "line (Name: value, or ! Name)")
            }
            name = try ResponseHeaderName(parsing: String(line[..<colon]))
            value = try ResponseHeaderValue(parsing: String(line[line.index(after: colon)...]))
        }
        guard let existing = rule.headers.firstIndex(where: { $0.name.key == name.key }) else {
            rule.headers.append((name, value))
            return
        }
        guard let earlier = rule.headers[existing].value, let value, name.key != "set-cookie" else {
            throw RuleTextError("\(name) is given twice under \(rule.pattern.text) in ways that cannot be combined")
        }
        rule.headers[existing].value = try ResponseHeaderValue(parsing: earlier.text + ", " + value.text)
    }
}
