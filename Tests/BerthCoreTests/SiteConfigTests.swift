import Testing
@testable import BerthCore

@Suite("berth.yml and memory limits")
struct SiteConfigTests {
    @Test func fullConfig() throws {
        let config = try SiteConfig(yaml: "server: python\nmemory: 128m\nport: 8081\nspa: true\nerror_page: /missing.html\n")
        #expect(config == SiteConfig(server: .python, memory: MemoryLimit(bytes: 128 << 20), port: 8081, spa: true,
                                     errorPage: "missing.html"))
    }

    @Test func emptyFileIsDefaults() throws {
        #expect(try SiteConfig(yaml: "") == SiteConfig())
        #expect(try SiteConfig(yaml: "# only a comment\n") == SiteConfig())
    }

    @Test("an unknown key is an error naming its line")
    func unknownKey() {
        #expect(throws: ConfigFileError(file: "berth.yml", line: 3,
                                        message: "unknown key 'memroy' in berth.yml; known keys: server, memory, port, spa, error_page, check_path")) {
            try SiteConfig(yaml: "server: nginx\n\nmemroy: 64m\n")
        }
    }

    @Test("bad YAML is an error naming the line")
    func badYAML() throws {
        do {
            _ = try SiteConfig(yaml: "server: nginx\nspa: [true\n")
            Issue.record("accepted bad YAML")
        } catch {
            #expect(error.line != nil)
            #expect(error.description.hasPrefix("berth.yml, line"))
        }
    }

    @Test("bad values name the line and say what is allowed")
    func badValues() {
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "server: apache\n") }
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "port: 70000\n") }
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "spa: maybe\n") }
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "memory: lots\n") }
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "error_page: ../../etc/passwd\n") }
        #expect(throws: ConfigFileError.self) { try SiteConfig(yaml: "- a list\n") }
        do {
            _ = try SiteConfig(yaml: "spa: false\nserver: apache\n")
        } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("nginx or python"))
        }
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
        #expect(SiteName.sanitized("..") == "site")
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
