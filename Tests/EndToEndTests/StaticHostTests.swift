import BerthCore
import Foundation
import Testing

/// What people moving a site from Netlify or Cloudflare Pages expect, asked of a published site over HTTP:
/// `_redirects`, `_headers`, a password-protected path, and conditional requests across a republish.
@Suite("Static host: redirects, headers, passwords and caching on the real engine", .serialized,
       .timeLimit(.minutes(5)), .blockingCalls)
struct StaticHostTests {
    /// `berth passwd` of "ann-secret" with the salt "e2esalt" (the test of passwd makes a fresh one).
    static let annHash = "$6$e2esalt$aGi9bE1E/bbUZO2osNfXsYUUAtQLH5tamEyqf5agxqcLr3oApBhSLzSxlQBdIrjByptqCkTTuWtPbFvWEoShU/"

    static let redirects = """
        # pages that moved
        /old              /new                        301
        /blog/:year/*     /posts/:year/:splat.html    302
        /ext              https://example.com:8443/x  308
        /temp             /elsewhere                  307
        /app/*            /app.html                   200
        /shadowed         /nowhere                    301
        /forced.html      /elsewhere                  301!
        /closed/*         /closed.html                404
        """

    static let contentSecurityPolicy = "default-src 'self'; img-src * data:; style-src {inline} 'unsafe-inline'"

    static let headers = """
        /assets/*
          Cache-Control: public, max-age=31536000, immutable
          X-Robots-Tag: noindex
        /embed/*
          ! X-Frame-Options
        /*
          Content-Security-Policy: \(contentSecurityPolicy)
        """

    static func basicAuthorization(_ user: String, _ password: String) -> (String, String) {
        ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    @Test("_redirects: each status with its Location (query string passed on), rewrites, 404 pages, shadowing, '!'")
    func redirectsAndHeaders() async throws {
        try await PublishFixture.run { fixture in
            let directory = try ServedSiteTests.site([
                "index.html": "<h1>home</h1>", "app.html": "<div>app shell</div>", "shadowed": "a real file",
                "forced.html": "never served", "closed.html": "<p>closed page</p>", "assets/site.css": "h1 { }",
                "embed/index.html": "<p>embeddable</p>",
                "_redirects": Self.redirects, "_headers": Self.headers,
            ])
            let url = try ServedSiteTests.publish(fixture, directory, name: "rules")
            let base = String(url.dropLast())

            for (path, status, location) in [
                ("/old?ref=mail&x=1", 301, "/new?ref=mail&x=1"), ("/blog/2024/a/b", 302, "/posts/2024/a/b.html"),
                ("/ext", 308, "https://example.com:8443/x"), ("/temp", 307, "/elsewhere"),
                ("/forced.html", 301, "/elsewhere"),
            ] {
                let answer = try await ServedSiteTests.answer(base + path)
                #expect(answer.status == status && answer.headers["location"] == location, "\(path): \(answer)")
            }
            let rewritten = try await ServedSiteTests.answer(base + "/app/users/42")
            #expect(rewritten.status == 200 && rewritten.body == "<div>app shell</div>", "\(rewritten)")
            #expect(rewritten.headers["location"] == nil)
            let shadowed = try await ServedSiteTests.answer(base + "/shadowed")
            #expect(shadowed.status == 200 && shadowed.body == "a real file", "a file at the path wins: \(shadowed)")
            let closed = try await ServedSiteTests.answer(base + "/closed/anything")
            #expect(closed.status == 404 && closed.body.contains("closed page"), "\(closed)")

            let home = try await ServedSiteTests.answer(url)
            #expect(home.headers["cache-control"] == "no-cache")
            #expect(home.headers["x-content-type-options"] == "nosniff")
            #expect(home.headers["referrer-policy"] == "strict-origin-when-cross-origin")
            #expect(home.headers["x-frame-options"] == "SAMEORIGIN")
            #expect(home.headers["content-security-policy"] == Self.contentSecurityPolicy,
                    "the value as the file wrote it, ';', '{', '}' and quotes included: \(home.headers)")
            let asset = try await ServedSiteTests.answer(base + "/assets/site.css")
            #expect(asset.headers["cache-control"] == "public, max-age=31536000, immutable", "\(asset.headers)")
            #expect(asset.headers["x-robots-tag"] == "noindex")
            let embed = try await ServedSiteTests.answer(base + "/embed/")
            #expect(embed.status == 200 && embed.headers["x-frame-options"] == nil, "\(embed.headers)")
            #expect(embed.headers["x-content-type-options"] == "nosniff")
        }
    }

    @Test("basic_auth: 401 without or with a wrong password, 200 with the one berth passwd hashed; the rest is open")
    func passwordProtectedPath() async throws {
        try await PublishFixture.run { fixture in
            let passwordFile = try TemporaryFile()
            try Data("correct horse\n".utf8).write(to: URL(fileURLWithPath: passwordFile.path))
            var passwd = BerthCLI()
            passwd.standardInputFile = passwordFile.path
            let hashed = try passwd.run(["passwd"], timeout: 30)
            let hash = hashed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(hashed.status == 0 && hash.hasPrefix("$6$") && !hashed.stdout.contains("correct horse"),
                    "\(hashed)")

            let directory = try ServedSiteTests.site([
                "index.html": "<h1>open</h1>", "private/index.html": "<h1>private page</h1>",
                "private/notes.txt": "notes",
                "_redirects": "/leak /private/notes.txt 200\n/leak-forced /private/notes.txt 200!\n",
                SiteConfig.fileName: "basic_auth:\n  - path: /private/\n    users:\n      ann: \"\(hash)\"\n",
            ])
            let url = try ServedSiteTests.publish(fixture, directory, name: "auth")
            let base = String(url.dropLast())

            let open = try await ServedSiteTests.answer(url)
            #expect(open.status == 200 && open.body.contains("open"))
            // A rewrite into the protected area is asked for the password too: nginx checks again after it.
            for path in ["/private/", "/private/notes.txt", "/private", "/%70rivate/notes.txt", "//private/notes.txt",
                         "/leak", "/leak-forced"] {
                let refused = try await ServedSiteTests.answer(base + path)
                #expect(refused.status == 401, "\(path) without a password: \(refused)")
                #expect(!refused.body.contains("private page") && !refused.body.contains("notes"))
            }
            let wrong = try await ServedSiteTests.answer(base + "/private/",
                                                         headers: [Self.basicAuthorization("ann", "wrong")])
            #expect(wrong.status == 401, "\(wrong)")
            #expect(wrong.headers["www-authenticate"]?.hasPrefix("Basic realm=") == true, "\(wrong.headers)")
            let right = try await ServedSiteTests.answer(base + "/private/",
                                                         headers: [Self.basicAuthorization("ann", "correct horse")])
            #expect(right.status == 200 && right.body.contains("private page"), "\(right)")
        }
    }

    @Test("clean_urls: /about serves about.html; /about.html and /docs/index.html redirect to their clean URLs")
    func cleanURLs() async throws {
        try await PublishFixture.run { fixture in
            let directory = try ServedSiteTests.site([
                "index.html": "<h1>home</h1>", "about.html": "<h1>about</h1>", "docs/index.html": "<h1>docs</h1>",
                SiteConfig.fileName: "clean_urls: true\n",
            ])
            let url = try ServedSiteTests.publish(fixture, directory, name: "clean")
            let base = String(url.dropLast())
            let about = try await ServedSiteTests.answer(base + "/about")
            #expect(about.status == 200 && about.body == "<h1>about</h1>", "\(about)")
            #expect(about.headers["cache-control"] == "no-cache")
            for (path, location) in [("/about.html?x=1", "/about?x=1"), ("/docs/index.html", "/docs/"),
                                     ("/index.html", "/")] {
                let moved = try await ServedSiteTests.answer(base + path)
                #expect(moved.status == 301 && moved.headers["location"] == location, "\(path): \(moved)")
            }
            let home = try await ServedSiteTests.answer(url)
            #expect(home.status == 200 && home.body == "<h1>home</h1>", "/ is not sent round in a loop: \(home)")
            let docs = try await ServedSiteTests.answer(base + "/docs/")
            #expect(docs.status == 200 && docs.body == "<h1>docs</h1>", "\(docs)")
            let missing = try await ServedSiteTests.answer(base + "/nowhere")
            #expect(missing.status == 404)
        }
    }

    @Test("precompress: a text file's gzip copy is sent as it is (strong ETag), and its ETag survives a rebuild")
    func precompressedFiles() async throws {
        try await PublishFixture.run { fixture in
            let css = String(repeating: "h1 { color: red; margin: 0 }\n", count: 200)
            let directory = try ServedSiteTests.site([
                "index.html": "<h1>v1</h1>", "app.css": css, SiteConfig.fileName: "precompress: true\n",
            ])
            let url = try ServedSiteTests.publish(fixture, directory, name: "gz")
            let gzip = ("Accept-Encoding", "gzip")
            let compressed = try await ServedSiteTests.answer(url + "app.css", headers: [gzip])
            #expect(compressed.status == 200 && compressed.headers["content-encoding"] == "gzip", "\(compressed.headers)")
            let etag = try #require(compressed.headers["etag"])
            #expect(!etag.hasPrefix("W/"), "nginx's on-the-fly gzip would weaken the ETag; the .gz file keeps it: \(etag)")
            #expect(Int(compressed.headers["content-length"] ?? "") ?? .max < css.utf8.count / 10)
            let plain = try await ServedSiteTests.answer(url + "app.css")
            #expect(plain.headers["content-encoding"] == nil && plain.body == css)

            // Another file changes, so the image is built again and the .gz made again: same bytes, same time.
            try Data("<h1>v2</h1>".utf8).write(to: URL(fileURLWithPath: directory + "/index.html"))
            _ = try ServedSiteTests.publish(fixture, directory, name: "gz")
            let home = try await ServedSiteTests.answer(url)
            #expect(home.body == "<h1>v2</h1>")
            let again = try await ServedSiteTests.answer(url + "app.css", headers: [gzip, ("If-None-Match", etag)])
            #expect(again.status == 304, "\(again)")
        }
    }

    @Test("caching: an unchanged file answers 304, a changed one (same size) 200 with its new content, across a republish")
    func conditionalRequestsAcrossRepublish() async throws {
        try await PublishFixture.run { fixture in
            let directory = try ServedSiteTests.site([
                "index.html": "<h1>home</h1>", "style.css": "h1 { color: red }",
            ])
            let url = try ServedSiteTests.publish(fixture, directory, name: "cached")
            let first = try await ServedSiteTests.answer(url + "style.css")
            let etag = try #require(first.headers["etag"], "nginx sends an ETag again: \(first.headers)")
            let lastModified = try #require(first.headers["last-modified"])
            let homeTag = try #require(try await ServedSiteTests.answer(url).headers["etag"])

            let unchanged = try await ServedSiteTests.answer(url + "style.css", headers: [("If-None-Match", etag)])
            #expect(unchanged.status == 304 && unchanged.body.isEmpty, "\(unchanged)")
            let notModified = try await ServedSiteTests.answer(url + "style.css",
                                                               headers: [("If-Modified-Since", lastModified)])
            #expect(notModified.status == 304, "\(notModified)")

            // Same size, other content: a time fixed for every file would have kept the ETag.
            try Data("h1 { color: tan }".utf8).write(to: URL(fileURLWithPath: directory + "/style.css"))
            _ = try ServedSiteTests.publish(fixture, directory, name: "cached")
            let changed = try await ServedSiteTests.answer(url + "style.css", headers: [("If-None-Match", etag)])
            #expect(changed.status == 200 && changed.body == "h1 { color: tan }", "\(changed)")
            #expect(changed.headers["etag"] != etag)
            let changedSince = try await ServedSiteTests.answer(url + "style.css",
                                                                headers: [("If-Modified-Since", lastModified)])
            #expect(changedSince.status == 200, "\(changedSince)")
            let home = try await ServedSiteTests.answer(url, headers: [("If-None-Match", homeTag)])
            #expect(home.status == 304, "index.html did not change, so the new version still answers 304: \(home)")
        }
    }

    @Test("a _redirects or _headers line berth cannot honour fails render with the file and line (exit 64); so does a python site with rules")
    func refusedRules() throws {
        let cli = BerthCLI(removing: ["BERTH_TEMPLATES"])
        for (file, text, line) in [
            ("_redirects", "# ok\n/a /b 301\n/c /d;return 200 pwned\n", 3),
            ("_redirects", "/a /$host\n", 1),
            ("_headers", "/*\n  X-Test: ok\n  X-Evil: \"; }\n", 3),
            ("_headers", "/*\n  Transfer-Encoding: chunked\n", 2),
        ] {
            let site = try ServedSiteTests.site(["index.html": "home", file: text])
            let render = try cli.run(["render", site, "--out", site + "-rendered"], timeout: 60)
            #expect(render.status == 64, "\(render)")
            #expect(render.stderr.contains("\(file), line \(line):"), "\(render.stderr)")
            #expect(!FileManager.default.fileExists(atPath: site + "-rendered/nginx.conf"))
        }
        let python = try ServedSiteTests.site([
            "index.html": "home", "_redirects": "/a /b\n", SiteConfig.fileName: "server: python\n",
        ])
        let render = try cli.run(["render", python], timeout: 60)
        #expect(render.status == 64 && render.stderr.contains("python server supports none"), "\(render)")
    }
}
