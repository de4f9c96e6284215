import Foundation
import Testing
@testable import BerthCore

@Suite("Site rules: _redirects, _headers, basic_auth")
struct SiteRulesTests {
    /// The error `text` gets, as `file, line N: message`.
    static func redirectsError(_ text: String) -> ConfigFileError? {
        do {
            _ = try RedirectsFile(text: text, file: "site/_redirects")
            return nil
        } catch {
            return error
        }
    }

    static func headersError(_ text: String) -> ConfigFileError? {
        do {
            _ = try HeadersFile(text: text, file: "site/_headers")
            return nil
        } catch {
            return error
        }
    }

    @Test("_redirects: rules in file order with their statuses, placeholders and splats; comments and blanks skipped")
    func redirectsParse() throws {
        let file = try RedirectsFile(text: """
            # moved pages
            /old            /new
            /blog/:year/*   /posts/:year/:splat.html  302

            /ext   https://example.com:8443/x   308   # trailing comment
            /app/*  /index.html  200
            /gone   /closed.html 404
            /now    /then        307!\r
            """, file: "_redirects")
        #expect(file.rules.map(\.line) == [2, 3, 5, 6, 7, 8])
        #expect(file.rules.map(\.status.rawValue) == [301, 302, 308, 200, 404, 307])
        #expect(file.rules.map(\.force) == [false, false, false, false, false, true])
        #expect(file.rules[1].from.captureNames == ["year", "splat"])
        #expect(file.rules[1].to == .path([.literal("/posts/"), .capture(0), .literal("/"), .capture(1),
                                           .literal(".html")]))
        #expect(file.rules[2].to == .url(origin: "https://example.com:8443", path: [.literal("/x")]))
    }

    @Test("_redirects: a line berth cannot honour is an error naming the file, its line and what is wrong",
          arguments: [
              ("/a /b 303", "status '303'"),
              ("/a /b 301 Country=us", "conditions"),
              ("/store id=:id /b 301", "query-string conditions"),
              ("/a", "FROM TO [STATUS]"),
              ("/a;b /c", "';'"),
              ("/a /b;return", "';'"),
              ("/a{ /b", "'{'"),
              ("/a /b}", "'}'"),
              ("/a\" /b", "'\"'"),
              ("/a /$host", "'$'"),
              ("/a /b?x=1", "query string"),
              ("/a /:id", "':id'"),
              ("/a https://evil.example/x 200", "proxy"),
              ("/a https://ev;il/ 301", "host name"),
              ("/* /x/:splat 404", "placeholders"),
              ("/a/*/b /c", "last segment"),
              ("/a/../etc /c", "'..'"),
              ("a /b", "starting with /"),
              ("https://other.example/a /b", "domain"),
              ("/a /b\r301", "carriage return"),
              ("/a /" + String(repeating: "x", count: 5000), "longer than"),
          ])
    func redirectsRefused(_ line: String, _ expected: String) throws {
        let error = try #require(Self.redirectsError("# first\n\n" + line + "\n"), "accepted: \(line)")
        #expect(error.file == "site/_redirects" && error.line == 3, "\(error)")
        #expect(error.description.hasPrefix("site/_redirects, line 3: "))
        #expect(error.message.contains(expected), "\(error.message)")
        #expect(!error.description.contains("\n"))
    }

    @Test("_headers: paths with their headers; repeats joined; '! Name' leaves one out")
    func headersParse() throws {
        let file = try HeadersFile(text: """
            # comment
            /assets/*
              Cache-Control: public, max-age=31536000, immutable
              Link: </a.css>; rel=preload
              Link: </b.js>; rel=preload
            /*
              Content-Security-Policy: default-src 'self'; script-src 'self' {x}
              ! X-Frame-Options
            """, file: "_headers")
        #expect(file.rules.count == 2)
        #expect(file.rules[0].line == 2 && file.rules[0].pattern.text == "/assets/*")
        #expect(file.rules[0].headers.map(\.name.text) == ["Cache-Control", "Link"])
        #expect(file.rules[0].headers[1].value?.text == "</a.css>; rel=preload, </b.js>; rel=preload")
        #expect(file.rules[1].headers[0].value?.text == "default-src 'self'; script-src 'self' {x}")
        #expect(file.rules[1].headers[1].name.text == "X-Frame-Options" && file.rules[1].headers[1].value == nil)
    }

    @Test("_headers: hop-by-hop, framing and server-set headers, and values nginx would read, are refused by line",
          arguments: [
              ("  Connection: close", "hop-by-hop"),
              ("  Transfer-Encoding: chunked", "hop-by-hop"),
              ("  Content-Length: 5", "framing"),
              ("  content-type: text/plain", "framing"),
              ("  Basic-Auth: ann:secret", "basic_auth"),
              ("  X-Test: $host", "'$'"),
              ("  X-Test: a\"b", "'\"'"),
              ("  X-Test: a\\b", "'\\'"),
              ("  X-Te$t: a", "'$'"),
              ("  X;Test: a", "';'"),
              ("  X Test: a", "a space"),
              ("  X-Test:", "no value"),
              ("  X-Test: é", "'é'"),
              ("  no colon here", "neither a path"),
              ("  X-Test: " + String(repeating: "v", count: 3000), "longer than"),
              ("/x {", "one path"),
          ])
    func headersRefused(_ line: String, _ expected: String) throws {
        let error = try #require(Self.headersError("/*\n  X-Ok: 1\n" + line + "\n"), "accepted: \(line)")
        #expect(error.line == 3, "\(error)")
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test("_headers: a header before any path, and a path without headers, are errors with their lines")
    func headersStructure() {
        #expect(Self.headersError("X-Test: 1\n")?.line == 1)
        #expect(Self.headersError("/a\n  X-Test: 1\n/b\n")?.line == 3)
    }

    @Test("SHA-512 crypt matches the specification's test vectors and openssl's")
    func sha512Crypt() {
        #expect(SHA512Crypt.hash(password: Array("Hello world!".utf8), salt: Array("saltstring".utf8))
            == "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1")
        #expect(SHA512Crypt.hash(password: Array("Hello world!".utf8), salt: Array("saltstringsaltstring".utf8),
                                 rounds: 10000)
            == "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.")
        // openssl passwd -6 -salt zbxS5CC7AnhbPPyX 'Hello world!'
        #expect(SHA512Crypt.hash(password: Array("Hello world!".utf8), salt: Array("zbxS5CC7AnhbPPyX".utf8))
            == "$6$zbxS5CC7AnhbPPyX$wRUk1vzVpXkXDSMYlwvVe5MFX0Xf79221ilnorRCNGqBhOTfS/og3CX.Y0Uogp6P8ibI/tzK2muYT6djwpAzN.")
        let fresh = SHA512Crypt.hash(password: "p")
        #expect(BasicAuthArea.isSHA512CryptHash(fresh), "\(fresh)")
        #expect(fresh != SHA512Crypt.hash(password: "p"), "a new salt each time")
    }

    static let hash = "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"

    @Test("basic_auth: paths and users with their hashes; the htpasswd file holds name:hash lines")
    func basicAuthParse() throws {
        let config = try SiteConfig(yaml: """
            basic_auth:
              - path: /private/
                users:
                  ann: "\(Self.hash)"
                  bob.s: '\(Self.hash)'
              - path: /
                users:
                  all: "\(Self.hash)"
            """)
        #expect(config.basicAuth.map(\.pathPrefix) == ["/private", "/"])
        #expect(config.basicAuth[0].htpasswd == "ann:\(Self.hash)\nbob.s:\(Self.hash)\n")
        #expect(config.basicAuth[0].regularExpression == "^/private(?:/|$)")
    }

    @Test("basic_auth: a password instead of a hash, odd user names and paths are refused with their lines",
          arguments: [
              ("- path: /p/\n    users:\n      ann: secret", 4, "never the password itself"),
              ("- path: /p/\n    users:\n      \"ann:x\": \"\(hash)\"", 4, "user name"),
              ("- path: /p/\n    users:\n      \"a n\": \"\(hash)\"", 4, "user name"),
              ("- path: /p;/\n    users:\n      ann: \"\(hash)\"", 2, "';'"),
              ("- path: \"/p\\n{\"\n    users:\n      ann: \"\(hash)\"", 2, "newline"),
              ("- path: /p/\n    users:\n      ann: \"\(hash)\\n\"", 4, "never the password"),
              ("- path: /p/\n    users: {}", 3, "empty"),
              ("- path: /p/\n    users:\n      ann: \"\(hash)\"\n    realm: x", 5, "unknown key"),
          ])
    func basicAuthRefused(_ entry: String, _ line: Int, _ expected: String) throws {
        do {
            _ = try SiteConfig(yaml: "basic_auth:\n  " + entry + "\n")
            Issue.record("accepted: \(entry)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test("a python site with _redirects, _headers or basic_auth is an error naming what it has")
    func pythonRefusesRules() throws {
        for (file, text) in [("_redirects", "/a /b\n"), ("_headers", "/*\n  X-A: 1\n"),
                             ("berth.yml", "basic_auth:\n  - path: /\n    users:\n      ann: \"\(Self.hash)\"\n")] {
            let site = try TemporarySite()
            try site.write("index.html", "home")
            try site.write(file, text)
            let loaded = try Site.load(path: site.path)
            #expect {
                try loaded.buildContext(templates: .builtIn, identity: SiteIdentity(user: "ann", site: "blog"),
                                        server: .python, baseImage: ServerKind.python.defaultBaseImage)
            } throws: { error in
                let text = "\(error)"
                return error is ConfigFileError && text.contains("python server supports none")
                    && text.contains(file == "berth.yml" ? "basic_auth" : file)
            }
            _ = try loaded.buildContext(templates: .builtIn, identity: SiteIdentity(user: "ann", site: "blog"),
                                        server: .nginx, baseImage: ServerKind.nginx.defaultBaseImage)
        }
    }

    @Test("_redirects and _headers configure the server and are not shipped as files")
    func rulesFilesNotShipped() throws {
        let site = try TemporarySite()
        try site.write("index.html", "home")
        try site.write("_redirects", "/a /b\n")
        try site.write("_headers", "/*\n  X-A: 1\n")
        let paths = try Site.load(path: site.path).tree.entries.map(\.path)
        #expect(paths == ["index.html"])
    }
}
