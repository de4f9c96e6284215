import AsyncHTTPClient
import BerthCore
import Foundation
import NIOCore
import Testing

/// What a published site answers over HTTP, asked from outside as a browser would (redirects not followed, so
/// that each answer is seen), and every rendered configuration checked by the server in the real base image.
@Suite("Served sites: rendered configurations and HTTP behaviour", .serialized, .timeLimit(.minutes(5)), .blockingCalls)
struct ServedSiteTests {
    /// A scratch site directory with `files` (path → content).
    static func site(_ files: [String: String]) throws -> String {
        let directory = NSTemporaryDirectory() + "/berth-e2e-served-\(UUID().uuidString)/site"
        for (path, content) in files {
            let file = directory + "/" + path
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(content.utf8).write(to: URL(fileURLWithPath: file))
        }
        return directory
    }

    struct Combination: Sendable, CustomTestStringConvertible {
        var name: String
        var berthYML: String?
        var files: [String: String]
        var testDescription: String { name }
    }

    static let combinations = [
        Combination(name: "default", berthYML: nil, files: ["index.html": "home"]),
        Combination(name: "default with 404.html", berthYML: nil, files: ["index.html": "home", "404.html": "gone"]),
        Combination(name: "spa", berthYML: "spa: true\n", files: ["index.html": "home"]),
        Combination(name: "error_page", berthYML: "error_page: errors/missing.html\n",
                    files: ["index.html": "home", "errors/missing.html": "gone"]),
        Combination(name: "spa and error_page", berthYML: "spa: true\nerror_page: errors/missing.html\n",
                    files: ["index.html": "home", "errors/missing.html": "gone"]),
        Combination(name: "python", berthYML: "server: python\n", files: ["index.html": "home"]),
        Combination(name: "clean_urls", berthYML: "clean_urls: true\n", files: ["index.html": "home"]),
        Combination(name: "_redirects, _headers and basic_auth, with values nginx would read if pasted",
                    berthYML: "spa: true\nclean_urls: true\nprecompress: true\nbasic_auth:\n  - path: /private/\n    users:\n      ann: \"\(StaticHostTests.annHash)\"\n"
                        + "  - path: /\n    users:\n      bob.s: \"\(StaticHostTests.annHash)\"\n",
                    files: ["index.html": "home", "404.html": "gone", "_redirects": StaticHostTests.redirects,
                            "_headers": StaticHostTests.headers]),
    ]

    @Test("every berth.yml combination renders files the server in the real base image accepts",
          arguments: combinations)
    func renderedFilesPassTheServersCheck(_ combination: Combination) async throws {
        let fixture = try await PublishFixture()
        var files = combination.files
        if let berthYML = combination.berthYML { files[SiteConfig.fileName] = berthYML }
        let site = try Site.load(path: try Self.site(files))
        let server = site.config.server ?? .nginx
        let context = try site.buildContext(
            templates: TemplateSet(directory: BerthCLI.repositoryRoot.appendingPathComponent("templates").path),
            identity: SiteIdentity(user: fixture.user, site: "check"), server: server,
            baseImage: try ImageReference(parsing: fixture.nginxImage))
        let check: (file: String, command: String)
        switch server {
        case .nginx: check = ("nginx.conf", "nginx -t -c /tmp/nginx.conf")
        case .python: check = ("berth_server.py", "python3 -m py_compile /tmp/berth_server.py")
        }
        let contents = try #require(context.rootFiles.first { $0.name == check.file }).contents
        let (status, output) = try await Self.runInBaseImage(
            fixture, user: server.runAsUser, file: (check.file, contents), command: check.command)
        #expect(status == 0, "\(check.command) failed in \(fixture.nginxImage):\n\(output)\n--- \(check.file)\n\(contents)")
        if server == .nginx {
            #expect(output.contains("syntax is ok") && output.contains("test is successful"), "\(output)")
        }
    }

    /// Runs `command` in a container of the real base image, as `user`, after writing `file` to /tmp; its exit
    /// status and output.
    static func runInBaseImage(_ fixture: PublishFixture, user: String, file: (name: String, contents: String),
                               command: String) async throws -> (status: Int, output: String) {
        let id = try await fixture.engine.createContainer(
            name: "check-\(fixture.user)-\(UUID().uuidString.prefix(8).lowercased())",
            config: ContainerCreate(
                image: fixture.nginxImage, labels: [BerthLabel.user: fixture.user], user: user,
                environment: ["BERTH_CHECKED_FILE=\(file.contents)"],
                command: ["sh", "-c", "printf '%s' \"$BERTH_CHECKED_FILE\" > /tmp/\(file.name) && \(command)"]))
        do {
            let result = try await waitForExit(fixture, id)
            try? await fixture.engine.removeContainer(id, force: true)
            return result
        } catch {
            try? await fixture.engine.removeContainer(id, force: true)
            throw error
        }
    }

    private static func waitForExit(_ fixture: PublishFixture, _ id: String) async throws -> (status: Int, output: String) {
        try await fixture.engine.startContainer(id)
        let deadline = ContinuousClock.now + .seconds(60)
        var state = try await fixture.engine.inspectContainer(id)?.state
        while state?.running == true {
            guard ContinuousClock.now < deadline else { throw FixtureError("the check did not finish within 60 s") }
            try await Task.sleep(for: .milliseconds(100))
            state = try await fixture.engine.inspectContainer(id)?.state
        }
        var output: [String] = []
        for try await line in fixture.engine.containerLogs(id, tail: nil, follow: false, since: nil, timestamps: false) {
            output.append(line.text)
        }
        return (try #require(state).exitCode, output.joined(separator: "\n"))
    }

    /// An answer as a browser's first request sees it.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// GETs `url` without following redirects, sending `headers`.
    static func answer(_ url: String, headers: [(String, String)] = []) async throws -> Answer {
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(redirectConfiguration: .disallow))
        do {
            var request = HTTPClientRequest(url: url)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for (name, value) in response.headers { headers[name.lowercased()] = value }
            try await client.shutdown()
            return Answer(status: Int(response.status.code), headers: headers, body: String(buffer: body))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Asks `url + path` for a directory without its trailing slash: the redirect must keep the host and port the
    /// request used (a relative Location), and following it must serve the directory's index.
    static func expectRelativeRedirect(_ url: String, path: String, servesText text: String) async throws {
        let redirect = try await answer(url + path)
        #expect(redirect.status == 301, "\(path): \(redirect)")
        let location = try #require(redirect.headers["location"], "\(path): no Location")
        #expect(location == "/" + path + "/", "Location must be a path, not the container's port: \(location)")
        let base = try #require(URL(string: url + path))
        let followed = try #require(URL(string: location, relativeTo: base)?.absoluteString)
        #expect(followed == url + path + "/")
        let page = try await answer(followed)
        #expect(page.status == 200 && page.body.contains(text), "\(followed): \(page)")
    }

    static func publish(_ fixture: PublishFixture, _ directory: String, name: String) throws -> String {
        let outcome = try fixture.cli().run(["publish", directory, "--user", fixture.user, "--name", name],
                                            timeout: 180)
        try #require(outcome.status == 0, "publishing \(name): \(outcome)")
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("nginx: directory redirects are relative; error_page serves its page with 404; HTML is no-cache, assets five minutes")
    func nginxBehaviour() async throws {
        try await PublishFixture.run { fixture in
            let directory = try Self.site([
                "index.html": "<h1>home</h1>", "about/index.html": "<h1>about us</h1>", "style.css": "h1 { }",
                "errors/missing.html": "<h1>custom missing page</h1>", "404.html": "not this one",
                SiteConfig.fileName: "error_page: errors/missing.html\n",
            ])
            let url = try Self.publish(fixture, directory, name: "served")
            try await Self.expectRelativeRedirect(url, path: "about", servesText: "about us")

            let missing = try await Self.answer(url + "no/such/page")
            #expect(missing.status == 404)
            #expect(missing.body.contains("custom missing page"), "\(missing)")

            let home = try await Self.answer(url)
            #expect(home.status == 200 && home.body.contains("home"))
            #expect(home.headers["cache-control"] == "no-cache", "\(home.headers)")
            let style = try await Self.answer(url + "style.css")
            #expect(style.status == 200)
            #expect(style.headers["cache-control"] == "public, max-age=300", "\(style.headers)")
            #expect(style.headers["server"] == "nginx", "no version in the Server header: \(style.headers)")
        }
    }

    @Test("nginx spa: an unknown path serves index.html with 200; real directories still redirect relatively")
    func spaFallback() async throws {
        try await PublishFixture.run { fixture in
            let directory = try Self.site([
                "index.html": "<div id=app>spa shell</div>", "docs/index.html": "<h1>docs</h1>",
                "app.js": "console.log(1)", SiteConfig.fileName: "spa: true\n",
            ])
            let url = try Self.publish(fixture, directory, name: "spa")
            for route in ["users/42", "settings", "deep/link/to/somewhere"] {
                let page = try await Self.answer(url + route)
                #expect(page.status == 200 && page.body.contains("spa shell"), "\(route): \(page)")
                #expect(page.headers["cache-control"] == "no-cache", "\(route): \(page.headers)")
            }
            let script = try await Self.answer(url + "app.js")
            #expect(script.body == "console.log(1)")
            #expect(script.headers["cache-control"] == "public, max-age=300")
            try await Self.expectRelativeRedirect(url, path: "docs", servesText: "docs")
        }
    }

    @Test("python: no directory listings, no versions in the Server header, relative directory redirects")
    func pythonServer() async throws {
        try await PublishFixture.run { fixture in
            let directory = try Self.site([
                "index.html": "<h1>py home</h1>", "about/index.html": "<h1>py about</h1>",
                "files/secret-name.txt": "listed?", SiteConfig.fileName: "server: python\n",
            ])
            let url = try Self.publish(fixture, directory, name: "served-py")
            let home = try await Self.answer(url)
            #expect(home.status == 200 && home.body.contains("py home"))
            let server = home.headers["server"] ?? ""
            #expect(!server.contains("Python") && !server.contains("SimpleHTTP") && !server.contains("/"),
                    "Server header: \(server)")
            let listing = try await Self.answer(url + "files/")
            #expect(listing.status == 404, "\(listing)")
            #expect(!listing.body.contains("secret-name.txt") && !listing.body.contains("Directory listing"))
            #expect(!(listing.headers["server"] ?? "").contains("Python"))
            let file = try await Self.answer(url + "files/secret-name.txt")
            #expect(file.status == 200 && file.body == "listed?")
            try await Self.expectRelativeRedirect(url, path: "about", servesText: "py about")
        }
    }

    @Test("the probes of the security issue are refused by render and pack, naming the key or the file")
    func securityProbes() throws {
        let cli = BerthCLI()
        // Status 1 today; 64 once berth.yml mistakes count as usage errors (issue 9, exit codes).
        let refused: (BerthCLI.Outcome) -> Bool = { $0.status == 1 || $0.status == 64 }

        let injected = try Self.site([
            "index.html": "home", "404.html": "gone",
            SiteConfig.fileName: "error_page: \"404.html; location /etc-dump/ { alias /etc/; autoindex on; } #\"\n",
        ])
        let render = try cli.run(["render", injected, "--out", injected + "-rendered"], timeout: 60)
        #expect(refused(render) && render.stderr.contains("error_page") && render.stderr.contains("berth.yml"),
                "\(render)")
        #expect(!FileManager.default.fileExists(atPath: injected + "-rendered/nginx.conf"))

        let looped = try Self.site(["index.html": "home"])
        try FileManager.default.createSymbolicLink(atPath: looped + "/loop", withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: looped + "/x", withDestinationPath: "loop/loop/../../etc/passwd")
        let pack = try cli.run(["pack", looped, "-o", "/dev/null"], timeout: 60)
        #expect(refused(pack) && pack.stderr.contains("x is a symlink to 'loop/loop/../../etc/passwd'"), "\(pack)")

        let whiteout = try Self.site(["index.html": "home", "css/.wh.site.css": "x"])
        let packWhiteout = try cli.run(["pack", whiteout, "-o", "/dev/null"], timeout: 60)
        #expect(refused(packWhiteout) && packWhiteout.stderr.contains("css/.wh.site.css"), "\(packWhiteout)")
    }

    @Test("a --base-image that is not an image reference is a usage error naming the value; so is the variable")
    func badBaseImage() throws {
        let cli = BerthCLI(removing: ["BERTH_NGINX_IMAGE", "BERTH_TEMPLATES"])
        let flag = try cli.run(["render", "sites/hello", "--base-image", "nginx:1\nRUN touch /pwned"], timeout: 60)
        #expect(flag.status == 64, "\(flag)")
        #expect(flag.stderr.contains("--base-image") && flag.stderr.contains("newline"), "\(flag)")
        #expect(!flag.stdout.contains("RUN touch"))

        let spaced = try cli.run(["render", "sites/hello", "--base-image", "nginx latest"], timeout: 60)
        #expect(spaced.status == 64 && spaced.stderr.contains("space"), "\(spaced)")

        let variable = BerthCLI(extraEnvironment: ["BERTH_NGINX_IMAGE": "nginx:1\nRUN touch /pwned"])
        let fromEnvironment = try variable.run(["render", "sites/hello"], timeout: 60)
        #expect(fromEnvironment.status != 0 && fromEnvironment.status < 128, "\(fromEnvironment)")
        #expect(fromEnvironment.stderr.contains("BERTH_NGINX_IMAGE") && fromEnvironment.stderr.contains("newline"),
                "\(fromEnvironment)")
        #expect(!fromEnvironment.stdout.contains("RUN touch"))

        let good = try cli.run(["render", "sites/hello", "--base-image", "127.0.0.1:5000/team/nginx:1.27"], timeout: 60)
        #expect(good.status == 0 && good.stdout.contains("FROM 127.0.0.1:5000/team/nginx:1.27\n"), "\(good)")
    }
}

extension ServedSiteTests.Answer: CustomStringConvertible {
    var description: String { "\(status) \(headers) \(body.prefix(200))" }
}
