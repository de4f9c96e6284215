import Testing
@testable import BerthCore

@Suite("berth.yml and memory limits")
struct SiteConfigTests {
    @Test func fullConfig() throws {
        let config = try SiteConfig(yaml: "server: python\nmemory: 128m\nport: 8081\nspa: true\nerror_page: errors/missing.html\n")
        #expect(config == SiteConfig(server: .python, memory: MemoryLimit(bytes: 128 << 20), port: 8081, spa: true,
                                     errorPage: try SiteFilePath(parsing: "errors/missing.html")))
    }

    @Test func emptyFileIsDefaults() throws {
        #expect(try SiteConfig(yaml: "") == SiteConfig())
        #expect(try SiteConfig(yaml: "# only a comment\n") == SiteConfig())
    }

    @Test("an unknown key is an error naming its line")
    func unknownKey() {
        #expect(throws: ConfigFileError(file: "berth.yml", line: 3,
                                        message: "unknown key 'memroy' in berth.yml; known keys: server, memory, port, spa, error_page, check_path, domains, basic_auth, clean_urls, precompress")) {
            try SiteConfig(yaml: "server: nginx\n\nmemroy: 64m\n")
        }
    }

    @Test("bad YAML is an error naming the line")
    func badYAML() throws {
        let error = try #require(throws: ConfigFileError.self) { try SiteConfig(yaml: "server: nginx\nspa: [true\n") }
        #expect(error.file == "berth.yml")
        #expect(error.line != nil)
        #expect(error.description.hasPrefix("berth.yml, line"))
    }

    @Test("bad values name the line and say what is allowed")
    func badValues() throws {
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "server: apache\n") }
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "port: 70000\n") }
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "spa: maybe\n") }
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "memory: lots\n") }
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "error_page: ../../etc/passwd\n") }
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "- a list\n") }
        let error = try #require(throws: ConfigFileError.self) { try SiteConfig(yaml: "spa: false\nserver: apache\n") }
        #expect(error.file == "berth.yml")
        #expect(error.line == 2)
        #expect(error.message.contains("nginx or python"))
    }

    @Test("memory limits as people write them", arguments: [
        ("64m", Int64(64 << 20)), ("1g", Int64(1 << 30)), ("512MiB", Int64(512 << 20)), ("1.5G", Int64(3 << 29)),
        ("67108864", Int64(67_108_864)), (" 256 mb ", Int64(256 << 20)), ("6m", Int64(6 << 20)),
    ])
    func memory(_ text: String, _ bytes: Int64) throws {
        #expect(try MemoryLimit(parsing: text).bytes == bytes)
    }

    @Test("nonsense or below Docker's minimum is refused", arguments: ["", "lots", "64x", "-1m", "5m", "1k", "m", "1e9"])
    func badMemory(_ text: String) {
        #expect(throws: MemoryLimitError.self) { try MemoryLimit(parsing: text) }
    }

    @Test func memorySpelling() {
        #expect(MemoryLimit(bytes: 64 << 20).description == "64m")
        #expect(MemoryLimit(bytes: 1 << 30).description == "1g")
        #expect(MemoryLimit(bytes: 1536 << 10).description == "1536k")
    }

    @Test func siteNames() {
        #expect(SiteName.sanitized("My Site_2") == "my-site-2")
        #expect(SiteName.sanitized("..") == "")
        #expect(SiteName.isValid("hello"))
        #expect(!SiteName.isValid("Hello"))
        #expect(!SiteName.isValid("a/b"))
    }

    @Test("check_path: a path of safe characters starting with /")
    func checkPath() throws {
        #expect(try SiteConfig(yaml: "check_path: /health/ok.html\n").checkPath == "/health/ok.html")
        #expect(try SiteConfig(yaml: "").checkPath == nil)
        for bad in ["health.html", "/a b", "/../x", "/./x", "/x?y", "/%2e", "/x#y", "/ü", "//" + String(repeating: "a", count: 200)] {
            #expect(throws: ConfigFileError.self, "\(bad)") { try SiteConfig(yaml: "check_path: \"\(bad)\"\n") }
        }
    }

    @Test("the check asks the site's URL with the check path")
    func checkURL() {
        #expect(ServeCheck.url("http://127.0.0.1:20001/", path: nil) == "http://127.0.0.1:20001/")
        #expect(ServeCheck.url("http://127.0.0.1:20001/", path: "/ok.html") == "http://127.0.0.1:20001/ok.html")
        #expect(ServeCheck.path(of: "http://[::1]:20001/ok.html") == "/ok.html")
    }
}

@Suite("berth.yml values that try to be more than values")
struct HostileSiteConfigTests {
    /// The probe from the security issue: it made the published site serve the container's /etc/passwd.
    static let injection = "404.html; location /etc-dump/ { alias /etc/; autoindex on; } #"

    static let hostileValues = [
        injection, "404.html;", "a{b", "a}b", "page\".html", "page'.html", "a\nb.html", "$document_root/x.html",
        "404.html proxy_pass http://127.0.0.1:2375", String(repeating: "a", count: 5000) + ".html", "a b.html",
        "x\\y.html", "../404.html", "errors/../../etc/passwd", "/404.html", "errors//404.html", "errors/", "./404.html",
        "404.html#", "é.html",
    ]

    /// Every key, with each hostile value as a double-quoted YAML scalar (so that newlines and quotes reach berth).
    /// `/404.html` is what `check_path` means (a page path), so it is left out for that key only.
    static var cases: [(key: String, value: String)] {
        SiteConfig.keys.flatMap { key in hostileValues.map { (key, $0) } }
            .filter { !($0.key == "check_path" && $0.value == "/404.html") }
    }

    @Test("each key refuses each hostile value, and the error names the key and its line")
    func hostileValues() {
        for (key, value) in Self.cases {
            let yaml = "# berth.yml\n\(key): \(Self.doubleQuoted(value))\n"
            #expect("\(key): \(value.debugDescription)", performing: {
                try SiteConfig(yaml: yaml)
            }, throws: { error in
                guard let error = error as? ConfigFileError else { return false }
                return error.line == 2 && error.message.hasPrefix(key + " ")
                    && !error.description.contains("\n") && error.description.count < 400
            })
        }
    }

    @Test("the injection probe is refused, saying which characters error_page may hold")
    func injectionProbe() {
        #expect(throws: ConfigFileError(
            file: "berth.yml", line: 1,
            message: "error_page '404.html; location /etc-dump/ { alias /etc/; autoindex on; } #' is not valid: "
                + "it holds ';'; use only letters, digits, '.', '_', '-' and '/'; it names a file inside the site, "
                + "such as 404.html")) {
            try SiteConfig(yaml: "error_page: \(Self.doubleQuoted(Self.injection))\n")
        }
    }

    @Test("error_page must name a regular file the site ships")
    func errorPageMustExist() throws {
        let site = try TemporarySite()
        try site.write("index.html")
        try site.write("errors/missing.html", "gone")
        try site.write("drafts/404.html", "draft")
        try site.write(".dockerignore", "drafts\n")
        try site.symlink("linked.html", to: "index.html")
        for (page, accepted) in [("errors/missing.html", true), ("errors/none.html", false), ("errors", false),
                                 ("drafts/404.html", false), ("linked.html", false), ("berth.yml", false)] {
            try site.write("berth.yml", "error_page: \(page)\n")
            if accepted {
                #expect(try Site.load(path: site.path).errorPage?.text == page)
            } else {
                #expect("\(page)", performing: { try Site.load(path: site.path) }, throws: { error in
                    (error as? ConfigFileError)?.message.hasPrefix("error_page '\(page)' is not valid: the site has no "
                        + "regular file there") == true
                })
            }
        }
    }

    static func doubleQuoted(_ value: String) -> String {
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
