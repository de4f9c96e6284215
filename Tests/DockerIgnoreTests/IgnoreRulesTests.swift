import Testing

@testable import DockerIgnore

// Most tables here are ported from moby/patternmatcher (patternmatcher_test.go, ignorefile/ignorefile_test.go);
// the walk tables were checked against `docker build` (CLI 28.2, legacy builder).

private func rules(_ patterns: [String]) throws -> IgnoreRules {
    try IgnoreRules(dockerignore: patterns.joined(separator: "\n"))
}

@Suite("IgnoreRules")
struct IgnoreRulesTests {
    // MARK: - TestMatches

    enum Expectation: Sendable {
        /// Neither the path nor a parent matches.
        case fail
        /// The path itself matches.
        case exact
        /// Only a parent directory matches.
        case inexact
    }

    struct MatchCase: Sendable, CustomTestStringConvertible {
        var pattern: String
        var text: String
        var expectation: Expectation
        var testDescription: String { "\(pattern) vs \(text) → \(expectation)" }

        init(_ pattern: String, _ text: String, _ expectation: Expectation) {
            self.pattern = pattern
            self.text = text
            self.expectation = expectation
        }
    }

    static let mobyMatchCases: [MatchCase] = [
        MatchCase("**", "file", .exact),
        MatchCase("**", "file/", .exact),
        MatchCase("**/", "file", .exact),
        MatchCase("**/", "file/", .exact),
        MatchCase("**", "/", .exact),
        MatchCase("**/", "/", .exact),
        MatchCase("**", "dir/file", .exact),
        MatchCase("**/", "dir/file", .exact),
        MatchCase("**", "dir/file/", .exact),
        MatchCase("**/", "dir/file/", .exact),
        MatchCase("**/**", "dir/file", .exact),
        MatchCase("**/**", "dir/file/", .exact),
        MatchCase("dir/**", "dir/file", .exact),
        MatchCase("dir/**", "dir/file/", .exact),
        MatchCase("dir/**", "dir/dir2/file", .exact),
        MatchCase("dir/**", "dir/dir2/file/", .exact),
        MatchCase("**/dir", "dir", .exact),
        MatchCase("**/dir", "dir/file", .inexact),
        MatchCase("**/dir2/*", "dir/dir2/file", .exact),
        MatchCase("**/dir2/*", "dir/dir2/file/", .inexact),
        MatchCase("**/dir2/**", "dir/dir2/dir3/file", .exact),
        MatchCase("**/dir2/**", "dir/dir2/dir3/file/", .exact),
        MatchCase("**file", "file", .exact),
        MatchCase("**file", "dir/file", .exact),
        MatchCase("**/file", "dir/file", .exact),
        MatchCase("**file", "dir/dir/file", .exact),
        MatchCase("**/file", "dir/dir/file", .exact),
        MatchCase("**/file*", "dir/dir/file", .exact),
        MatchCase("**/file*", "dir/dir/file.txt", .exact),
        MatchCase("**/file*txt", "dir/dir/file.txt", .exact),
        MatchCase("**/file*.txt", "dir/dir/file.txt", .exact),
        MatchCase("**/file*.txt*", "dir/dir/file.txt", .exact),
        MatchCase("**/**/*.txt", "dir/dir/file.txt", .exact),
        MatchCase("**/**/*.txt2", "dir/dir/file.txt", .fail),
        MatchCase("**/*.txt", "file.txt", .exact),
        MatchCase("**/**/*.txt", "file.txt", .exact),
        MatchCase("a**/*.txt", "a/file.txt", .exact),
        MatchCase("a**/*.txt", "a/dir/file.txt", .exact),
        MatchCase("a**/*.txt", "a/dir/dir/file.txt", .exact),
        MatchCase("a/*.txt", "a/dir/file.txt", .fail),
        MatchCase("a/*.txt", "a/file.txt", .exact),
        MatchCase("a/*.txt**", "a/file.txt", .exact),
        MatchCase("a[b-d]e", "ae", .fail),
        MatchCase("a[b-d]e", "ace", .exact),
        MatchCase("a[b-d]e", "aae", .fail),
        MatchCase("a[^b-d]e", "aze", .exact),
        MatchCase(".*", ".foo", .exact),
        MatchCase(".*", "foo", .fail),
        MatchCase("abc.def", "abcdef", .fail),
        MatchCase("abc.def", "abc.def", .exact),
        MatchCase("abc.def", "abcZdef", .fail),
        MatchCase("abc?def", "abcZdef", .exact),
        MatchCase("abc?def", "abcdef", .fail),
        MatchCase("**/foo/bar", "foo/bar", .exact),
        MatchCase("**/foo/bar", "dir/foo/bar", .exact),
        MatchCase("**/foo/bar", "dir/dir2/foo/bar", .exact),
        MatchCase("abc/**", "abc", .fail),
        MatchCase("abc/**", "abc/def", .exact),
        MatchCase("abc/**", "abc/def/ghi", .exact),
        MatchCase("**/.foo", ".foo", .exact),
        MatchCase("**/.foo", "bar.foo", .fail),
        MatchCase("a(b)c/def", "a(b)c/def", .exact),
        MatchCase("a(b)c/def", "a(b)c/xyz", .fail),
        MatchCase("a.|)$(}+{bc", "a.|)$(}+{bc", .exact),
        MatchCase(
            "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
            "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", .exact),
        MatchCase("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", .exact),
        // The non-Windows additions.
        MatchCase(#"a\\"#, #"a\"#, .exact),
        MatchCase(#"a\*b"#, "a*b", .exact),
    ]

    @Test(
        "moby TestMatches: MatchesExact, MatchesOrParentMatches and the walk agree",
        arguments: IgnoreRulesTests.mobyMatchCases)
    func mobyMatches(_ testCase: MatchCase) throws {
        let ignore = try rules([testCase.pattern])
        #expect(ignore.matchesExact(testCase.text) == (testCase.expectation == .exact))
        #expect(ignore.matchesOrParentMatches(testCase.text) == (testCase.expectation != .fail))
        #expect(ignore.excludes(testCase.text) == (testCase.expectation != .fail))
    }

    struct MultiPatternCase: Sendable, CustomTestStringConvertible {
        var patterns: [String]
        var text: String
        var excluded: Bool
        var testDescription: String { "\(patterns) vs \(text) → \(excluded ? "excluded" : "kept")" }

        init(_ patterns: [String], _ text: String, _ excluded: Bool) {
            self.patterns = patterns
            self.text = text
            self.excluded = excluded
        }
    }

    static let mobyMultiPatternCases: [MultiPatternCase] = [
        MultiPatternCase(["**", "!util/docker/web"], "util/docker/web/foo", false),
        MultiPatternCase(["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true),
        MultiPatternCase(
            ["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"],
            "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false),
        MultiPatternCase(["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false),
        // TestWildcardMatches, TestPatternMatches, TestExclusionPattern*, TestPatternMatchesFolder*.
        MultiPatternCase(["*"], "fileutils.go", true),
        MultiPatternCase(["*.go"], "fileutils.go", true),
        MultiPatternCase(["!fileutils.go", "*.go"], "fileutils.go", true),
        MultiPatternCase(["*.go", "!fileutils.go"], "fileutils.go", false),
        MultiPatternCase(["docs", "!docs/README.md"], "docs/README.md", false),
        MultiPatternCase(["docs/", "!docs/README.md"], "docs/README.md", false),
        MultiPatternCase(["docs/*", "!docs/README.md"], "docs/README.md", false),
        MultiPatternCase(["*.go"], ".", false),
        MultiPatternCase([], "any/path/there", false),
    ]

    @Test("moby multi-pattern cases", arguments: IgnoreRulesTests.mobyMultiPatternCases)
    func mobyMultiPatterns(_ testCase: MultiPatternCase) throws {
        let ignore = try rules(testCase.patterns)
        #expect(ignore.excludes(testCase.text) == testCase.excluded)
        if testCase.text != "." {
            #expect(ignore.matchesOrParentMatches(testCase.text) == testCase.excluded)
        }
    }

    // MARK: - TestMatch (Go's filepath.Match table)

    struct GlobCase: Sendable, CustomTestStringConvertible {
        var pattern: String
        var text: String
        /// Nil when Docker rejects the pattern.
        var matches: Bool?
        var testDescription: String { "\(pattern) vs \(text) → \(matches.map(String.init) ?? "bad pattern")" }

        init(_ pattern: String, _ text: String, _ matches: Bool?) {
            self.pattern = pattern
            self.text = text
            self.matches = matches
        }
    }

    static let mobyGlobCases: [GlobCase] = [
        GlobCase("abc", "abc", true),
        GlobCase("*", "abc", true),
        GlobCase("*c", "abc", true),
        GlobCase("a*", "a", true),
        GlobCase("a*", "abc", true),
        GlobCase("a*", "ab/c", true),
        GlobCase("a*/b", "abc/b", true),
        GlobCase("a*/b", "a/c/b", false),
        GlobCase("a*b*c*d*e*/f", "axbxcxdxe/f", true),
        GlobCase("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
        GlobCase("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
        GlobCase("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
        GlobCase("a*b?c*x", "abxbbxdbxebxczzx", true),
        GlobCase("a*b?c*x", "abxbbxdbxebxczzy", false),
        GlobCase("ab[c]", "abc", true),
        GlobCase("ab[b-d]", "abc", true),
        GlobCase("ab[e-g]", "abc", false),
        GlobCase("ab[^c]", "abc", false),
        GlobCase("ab[^b-d]", "abc", false),
        GlobCase("ab[^e-g]", "abc", true),
        GlobCase(#"a\*b"#, "a*b", true),
        GlobCase(#"a\*b"#, "ab", false),
        GlobCase("a?b", "a☺b", true),
        GlobCase("a[^a]b", "a☺b", true),
        GlobCase("a???b", "a☺b", false),
        GlobCase("a[^a][^a][^a]b", "a☺b", false),
        GlobCase("[a-ζ]*", "α", true),
        GlobCase("*[a-ζ]", "A", false),
        GlobCase("a?b", "a/b", false),
        GlobCase("a*b", "a/b", false),
        GlobCase(#"[\]a]"#, "]", true),
        GlobCase(#"[\-]"#, "-", true),
        GlobCase(#"[x\-]"#, "x", true),
        GlobCase(#"[x\-]"#, "-", true),
        GlobCase(#"[x\-]"#, "z", false),
        GlobCase(#"[\-x]"#, "x", true),
        GlobCase(#"[\-x]"#, "-", true),
        GlobCase(#"[\-x]"#, "a", false),
        GlobCase("[]a]", "]", nil),
        GlobCase("[-]", "-", nil),
        GlobCase("[x-]", "x", nil),
        GlobCase("[x-]", "-", nil),
        GlobCase("[x-]", "z", nil),
        GlobCase("[-x]", "x", nil),
        GlobCase("[-x]", "-", nil),
        GlobCase("[-x]", "a", nil),
        GlobCase(#"\"#, "a", nil),
        GlobCase("[a-b-c]", "a", nil),
        GlobCase("[", "a", nil),
        GlobCase("[^", "a", nil),
        GlobCase("[^bc", "a", nil),
        GlobCase("a[", "a", nil),
        GlobCase("a[", "ab", nil),
        GlobCase("*x", "xxx", true),
    ]

    @Test("moby TestMatch: Go's filepath.Match table", arguments: IgnoreRulesTests.mobyGlobCases)
    func mobyGlob(_ testCase: GlobCase) throws {
        guard let expected = testCase.matches else {
            #expect(throws: IgnoreRulesError.self) { try rules([testCase.pattern]) }
            return
        }
        let ignore = try rules([testCase.pattern])
        #expect(ignore.excludes(testCase.text) == expected)
        #expect(ignore.matchesOrParentMatches(testCase.text) == expected)
    }

    // MARK: - TestCompile

    struct CompileCase: Sendable, CustomTestStringConvertible {
        var pattern: String
        var kind: IgnorePattern.MatchKind
        var regex: String
        var testDescription: String { "\(pattern) → \(kind) \(regex)" }

        init(_ pattern: String, _ kind: IgnorePattern.MatchKind, _ regex: String = "") {
            self.pattern = pattern
            self.kind = kind
            self.regex = regex
        }
    }

    static let mobyCompileCases: [CompileCase] = [
        CompileCase("*", .regexp, #"^[^/]*$"#),
        CompileCase("file*", .regexp, #"^file[^/]*$"#),
        CompileCase("*file", .regexp, #"^[^/]*file$"#),
        CompileCase("a*/b", .regexp, #"^a[^/]*/b$"#),
        CompileCase("**", .suffix),
        CompileCase("**/**", .regexp, #"^(.*/)?.*$"#),
        CompileCase("dir/**", .prefix),
        CompileCase("**/dir", .suffix),
        CompileCase("**/dir2/*", .regexp, #"^(.*/)?dir2/[^/]*$"#),
        CompileCase("**/dir2/**", .regexp, #"^(.*/)?dir2/.*$"#),
        CompileCase("**file", .suffix),
        CompileCase("**/file*txt", .regexp, #"^(.*/)?file[^/]*txt$"#),
        CompileCase("**/**/*.txt", .regexp, #"^(.*/)?(.*/)?[^/]*\.txt$"#),
        CompileCase("a[b-d]e", .regexp, #"^a[b-d]e$"#),
        CompileCase(".*", .regexp, #"^\.[^/]*$"#),
        CompileCase("abc.def", .exact),
        CompileCase("abc?def", .regexp, #"^abc[^/]def$"#),
        CompileCase("**/foo/bar", .suffix),
        CompileCase("a(b)c/def", .exact),
        CompileCase("a.|)$(}+{bc", .exact),
        CompileCase("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", .exact),
    ]

    @Test("moby TestCompile: match kind and generated regexp", arguments: IgnoreRulesTests.mobyCompileCases)
    func mobyCompile(_ testCase: CompileCase) throws {
        let ignore = try rules([testCase.pattern])
        let pattern = try #require(ignore.patterns.first)
        #expect(pattern.kind == testCase.kind)
        if testCase.kind == .regexp {
            #expect(pattern.regexSource == testCase.regex)
        }
    }

    // MARK: - New / Clean*

    @Test("empty patterns are dropped, exclusions are noticed, whitespace around ! is trimmed")
    func cleanPatterns() throws {
        #expect(try rules(["docs", "config"]).patterns.count == 2)
        #expect(try rules(["docs", "config", ""]).patterns.count == 2)
        #expect(try rules(["docs", "!docs/README.md"]).hasExclusions)
        #expect(try rules(["docs", "  !docs/README.md"]).hasExclusions)
        #expect(try rules(["docs", "!docs/README.md  "]).hasExclusions)
        #expect(try !rules(["docs", "config"]).hasExclusions)
        #expect(IgnoreRules.empty.patterns.isEmpty)
        #expect(!IgnoreRules.empty.excludes("anything"))
    }

    // MARK: - ignorefile.ReadAll

    @Test("moby TestReadAll: the reader's output, line by line")
    func mobyReadAll() throws {
        let content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! "
        let lines = try IgnoreRules.readLines(content)
        #expect(lines.map(\.pattern) == ["test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!"])
        #expect(lines.map(\.number) == [1, 2, 3, 5, 7, 8, 9])
        // patternmatcher.New then refuses the lone "!".
        let error = try #require(throws: IgnoreRulesError.self) { try IgnoreRules(dockerignore: content) }
        #expect(error.line == 8)
        #expect(error.pattern == "!")
    }

    struct ReaderCase: Sendable, CustomTestStringConvertible {
        var text: String
        var patterns: [String]
        var testDescription: String { "\(text.debugDescription) → \(patterns)" }

        init(_ text: String, _ patterns: [String]) {
            self.text = text
            self.patterns = patterns
        }
    }

    static let readerCases: [ReaderCase] = [
        ReaderCase("", []),
        ReaderCase("\n\n\n", []),
        ReaderCase("# comment\nfoo", ["foo"]),
        ReaderCase("\u{FEFF}# comment after a byte order mark\nfoo", ["foo"]),
        ReaderCase("  # indented, so a pattern", ["# indented, so a pattern"]),
        ReaderCase("a\r\nb\r\n", ["a", "b"]),
        ReaderCase("last line without newline", ["last line without newline"]),
        ReaderCase("\t spaced \t", ["spaced"]),
        ReaderCase("nbsp\u{00A0}", ["nbsp"]),
        ReaderCase("./foo/../bar/", ["bar"]),
        ReaderCase("//abs//path/", ["abs/path"]),
        ReaderCase("/", ["/"]),
        ReaderCase("foo/..", ["."]),
        ReaderCase("../outside", ["../outside"]),
        ReaderCase("!  ./keep ", ["!keep"]),
        ReaderCase("! /inverted/abs/path", ["!inverted/abs/path"]),
        ReaderCase("!!bang", ["!!bang"]),
        ReaderCase("*.md\n!README.md", ["*.md", "!README.md"]),
    ]

    @Test(
        "the .dockerignore reader: comments, whitespace, cleaning, leading / and !",
        arguments: IgnoreRulesTests.readerCases)
    func reader(_ testCase: ReaderCase) throws {
        #expect(try IgnoreRules.readLines(testCase.text).map(\.pattern) == testCase.patterns)
    }

    @Test("a line of 65536 bytes or more makes Docker's reader fail")
    func longLine() throws {
        _ = try IgnoreRules(dockerignore: "ok\n" + String(repeating: "a", count: 65535) + "\nok")
        let error = try #require(throws: IgnoreRulesError.self) {
            try IgnoreRules(dockerignore: "ok\n" + String(repeating: "a", count: 65536))
        }
        #expect(error.line == 2)
    }

    // MARK: - Invalid patterns

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var text: String
        var line: Int
        var pattern: String
        var testDescription: String { "\(text.debugDescription) fails on line \(line)" }

        init(_ text: String, line: Int, pattern: String) {
            self.text = text
            self.line = line
            self.pattern = pattern
        }
    }

    static let invalidCases: [InvalidCase] = [
        InvalidCase("ok\n[", line: 2, pattern: "["),
        InvalidCase("# c\n\n  a[  \n", line: 3, pattern: "a["),
        InvalidCase(#"a\"#, line: 1, pattern: #"a\"#),
        InvalidCase("!", line: 1, pattern: "!"),
        InvalidCase("x\n! /", line: 2, pattern: "! /"),
        InvalidCase("[^bc", line: 1, pattern: "[^bc"),
        // filepath.Match accepts these; the regular expression Docker derives from them does not compile.
        InvalidCase("[z-a]", line: 1, pattern: "[z-a]"),
        InvalidCase("[Local-Only]/", line: 1, pattern: "[Local-Only]/"),
        InvalidCase("[[:foo:]]", line: 1, pattern: "[[:foo:]]"),
        InvalidCase(#"\e"#, line: 1, pattern: #"\e"#),
        InvalidCase(#"a\1"#, line: 1, pattern: #"a\1"#),
        InvalidCase(#"\pX"#, line: 1, pattern: #"\pX"#),
        InvalidCase(#"!keep\x4"#, line: 1, pattern: #"!keep\x4"#),
    ]

    @Test("invalid patterns are rejected with their line", arguments: IgnoreRulesTests.invalidCases)
    func invalidPatterns(_ testCase: InvalidCase) throws {
        let error = try #require(throws: IgnoreRulesError.self) { try IgnoreRules(dockerignore: testCase.text) }
        #expect(error.line == testCase.line)
        #expect(error.pattern == testCase.pattern)
        #expect(error.description.hasPrefix(".dockerignore line \(testCase.line): "))
    }

    @Test("the error message says which line and what to do")
    func errorDescription() throws {
        let error = try #require(throws: IgnoreRulesError.self) { try IgnoreRules(dockerignore: "*.tmp\ndocs/[a-") }
        #expect(
            error.description
                == ".dockerignore line 2: 'docs/[a-' is not a valid pattern: a \"[\" character class is not closed by "
                + "\"]\"; fix or delete that line (docker build rejects it too)")
    }

    // MARK: - Go regexp quirks Docker inherits

    static let quirkCases: [MultiPatternCase] = [
        // "**x" is compared as a plain suffix since patternmatcher 0.6, so it also matches "profile".
        MultiPatternCase(["**ile"], "profile", true),
        MultiPatternCase(["**ile"], "d/mobile", true),
        MultiPatternCase(["**/ile"], "profile", false),
        MultiPatternCase(["dir**"], "directory/file", true),
        // A backslash escape is handed to Go's regexp: "\d" is a digit, "\b" a word boundary.
        MultiPatternCase([#"x\d"#], "x5", true),
        MultiPatternCase([#"x\d"#], "xd", false),
        MultiPatternCase([#"a\b"#], "a", true),
        MultiPatternCase([#"a\b"#], "ab", false),
        MultiPatternCase([#"\[x\]"#], "[x]", true),
        MultiPatternCase(["[[:digit:]]*"], "1abc", true),
        MultiPatternCase(["[[:digit:]]*"], "abc", false),
        MultiPatternCase([#"\pL*"#], "été", true),
        MultiPatternCase([#"\pL*"#], "1", false),
        // "*" inside brackets becomes "[^/]*" inside the class: "[*]" matches "]" but not "*".
        MultiPatternCase(["[*]"], "]", true),
        MultiPatternCase(["[*]"], "*", false),
        // An unescaped "^" outside brackets is a start-of-text anchor in the middle: it never matches.
        MultiPatternCase(["a^b*"], "a^bc", false),
        // "\Q" quotes the rest of the generated expression, including its final "$".
        MultiPatternCase([#"\Qa*"#], "a[^/]*$", true),
        MultiPatternCase([#"\Qa*"#], "ab", false),
        // Regexp metacharacters that are not glob syntax are literal.
        MultiPatternCase(["a.b"], "axb", false),
        MultiPatternCase(["a+b"], "a+b", true),
        MultiPatternCase(["{a,b}"], "a", false),
        MultiPatternCase(["{a,b}"], "{a,b}", true),
        // "?" and "*" never cross "/", and "." in a path is an ordinary character.
        MultiPatternCase(["*/*.css"], "assets/site.css", true),
        MultiPatternCase(["*/*.css"], "assets/css/site.css", false),
        // A byte order mark opening a later line is dropped by the regexp compiler but not by the reader.
        MultiPatternCase(["keep", "\u{FEFF}*.md"], "x.md", true),
        // Comparisons are by code point: a decomposed "é" is not the precomposed one.
        MultiPatternCase(["caf\u{E9}"], "cafe\u{301}", false),
        MultiPatternCase(["caf\u{E9}"], "caf\u{E9}", true),
    ]

    @Test("Go regexp and patternmatcher quirks", arguments: IgnoreRulesTests.quirkCases)
    func quirks(_ testCase: MultiPatternCase) throws {
        #expect(try rules(testCase.patterns).excludes(testCase.text) == testCase.excluded)
    }

    @Test("regexp engine: Go semantics for . $ and classes")
    func regexEngine() throws {
        func regex(_ source: String) throws -> GoRegex { try GoRegex(Array(source.unicodeScalars)) }
        func text(_ string: String) -> [Unicode.Scalar] { Array(string.unicodeScalars) }
        #expect(try !regex("^a.b$").matches(text("a\nb")))
        #expect(try regex("^a[^/]b$").matches(text("a\nb")))
        #expect(try !regex("^ab$").matches(text("ab\n")))
        #expect(try regex("b").matches(text("abc")))
        #expect(try regex(#"^\d+$"#).matches(text("123")))
        #expect(try !regex(#"^\d$"#).matches(text("٣")))
        #expect(try regex(#"^[\D]$"#).matches(text("x")))
        #expect(try regex(#"^\x41\101$"#).matches(text("AA")))
        #expect(try regex("^(a|bc)*$").matches(text("abca")))
        #expect(try regex("^[[:^alpha:]]$").matches(text("1")))
        #expect(try regex(#"^[\pN]$"#).matches(text("٣")))
        #expect(throws: GoRegexError.self) { try regex("a**") }
        #expect(throws: GoRegexError.self) { try regex("*a") }
        #expect(throws: GoRegexError.self) { try regex("[a") }
        #expect(throws: GoRegexError.self) { try regex("(a") }
    }

    // MARK: - The context walk

    /// Walks a tree the way `docker build` does (moby `TarWithOptions`) and returns the files it sends.
    private static func sentFiles(_ dockerignore: String, _ files: [String]) throws -> [String] {
        let ignore = try IgnoreRules(dockerignore: dockerignore)
        var sent: [String] = []
        func visit(_ directory: String) {
            let prefix = directory.isEmpty ? "" : directory + "/"
            var children: Set<String> = []
            for file in files where file.hasPrefix(prefix) {
                let rest = file.dropFirst(prefix.count)
                children.insert(prefix + (rest.split(separator: "/").first.map(String.init) ?? ""))
            }
            for child in children.sorted() {
                let isDirectory = !files.contains(child)
                if ignore.excludes(child) {
                    if isDirectory && ignore.mustDescend(intoExcludedDirectory: child) { visit(child) }
                } else if isDirectory {
                    visit(child)
                } else {
                    sent.append(child)
                }
            }
        }
        visit("")
        return sent.sorted()
    }

    static let siteFiles = [
        "index.html", "about.html", "README.md", "notes.md", "app.js", "app.js.map", "profile", "x5", "xd",
        "docs/keep.md", "docs/guide.md", "docs/img/logo.png",
        "assets/css/site.css", "assets/css/site.css.map", "assets/js/main.js", "assets/js/main.js.map",
        "drafts/post.html", "drafts/keep.html",
        "d/f", "d/g",
    ]

    struct WalkCase: Sendable, CustomTestStringConvertible {
        var dockerignore: String
        /// Files of `siteFiles` that are not sent.
        var left: [String]
        var testDescription: String { dockerignore.debugDescription }

        init(_ dockerignore: String, leaves left: [String]) {
            self.dockerignore = dockerignore
            self.left = left
        }
    }

    static let everythingButIndex = siteFiles.filter { $0 != "index.html" }

    /// Each was built with `docker build` (FROM scratch, COPY . /ctx/) and the image's files compared.
    static let walkCases: [WalkCase] = [
        WalkCase("docs\n!docs/keep.md", leaves: ["docs/guide.md", "docs/img/logo.png"]),
        WalkCase("*\n!index.html", leaves: everythingButIndex),
        WalkCase("**/*.map", leaves: ["app.js.map", "assets/css/site.css.map", "assets/js/main.js.map"]),
        // The walk only enters an excluded directory when a "!" pattern spells out its path.
        WalkCase("docs\n!**/*.md", leaves: ["docs/keep.md", "docs/guide.md", "docs/img/logo.png"]),
        WalkCase("*.md\n!README.md", leaves: ["notes.md"]),
        WalkCase(
            "assets/**\n!assets/js/main.js",
            leaves: ["assets/css/site.css", "assets/css/site.css.map", "assets/js/main.js.map"]),
        WalkCase("**\n!docs/**", leaves: siteFiles.filter { !$0.hasPrefix("docs/") }),
        // MatchesOrParentMatches would keep d/f and drop docs/keep.md; the walk does the opposite.
        WalkCase("d/f\n!d", leaves: ["d/f"]),
        WalkCase("docs\n!docs/keep.md\ndocs", leaves: ["docs/guide.md", "docs/img/logo.png"]),
        WalkCase("**ile", leaves: ["profile"]),
        WalkCase(#"x\d"#, leaves: ["x5"]),
        WalkCase(
            "# comment\n  # not-a-comment\n/drafts/\n./about.html\n!  /drafts/keep.html\r\n",
            leaves: ["drafts/post.html", "about.html"]),
    ]

    @Test("the walk: excluded directories with re-included children", arguments: IgnoreRulesTests.walkCases)
    func walkSendsExpectedFiles(_ testCase: WalkCase) throws {
        let expected = Self.siteFiles.filter { !testCase.left.contains($0) }.sorted()
        #expect(try Self.sentFiles(testCase.dockerignore, Self.siteFiles) == expected)
    }

    @Test("mustDescend follows Docker's textual prefix check")
    func mustDescendPrefixCheck() throws {
        let ignore = try rules(["docs", "!docs/keep.md", "!assets/*/main.js", "!**/*.md"])
        #expect(ignore.mustDescend(intoExcludedDirectory: "docs"))
        #expect(ignore.mustDescend(intoExcludedDirectory: "assets"))
        #expect(!ignore.mustDescend(intoExcludedDirectory: "assets/js"))
        #expect(!ignore.mustDescend(intoExcludedDirectory: "doc"))
        #expect(!ignore.mustDescend(intoExcludedDirectory: "drafts"))
        #expect(try !rules(["docs"]).mustDescend(intoExcludedDirectory: "docs"))
        #expect(try rules(["docs", "!docs"]).mustDescend(intoExcludedDirectory: "docs"))
    }

    @Test("excludes and MatchesOrParentMatches differ only where a pattern was skipped on a parent")
    func chainVersusParentMatches() throws {
        let reExcluded = try rules(["docs", "!docs/keep.md", "docs"])
        #expect(reExcluded.matchesOrParentMatches("docs/keep.md"))
        #expect(!reExcluded.excludes("docs/keep.md"))
        let parentReIncluded = try rules(["d/f", "!d"])
        #expect(!parentReIncluded.matchesOrParentMatches("d/f"))
        #expect(parentReIncluded.excludes("d/f"))
    }
}
