import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `berth render` and `berth pack` as a person runs them: exit codes, messages and the files written.
@Suite("berth render and pack", .timeLimit(.minutes(5)), .blockingCalls)
struct PackCLITests {
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "/berth-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o755)
        return path
    }

    @Test("pack writes the tar and prints its digest and size; the digest is the file's SHA-256")
    func packDigest() throws {
        let out = try scratch() + "/hello.tar"
        let outcome = try BerthCLI().run(["pack", "sites/hello", "-o", out])
        #expect(outcome.status == 0, "\(outcome)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        let words = outcome.stderr.split(separator: " ")
        try #require(words.count >= 2, "digest and size: \(outcome)")
        #expect(Int(words[1]) == data.count)
        let shasum = Process()
        shasum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        shasum.arguments = [out]
        let pipe = Pipe()
        shasum.standardOutput = pipe
        try shasum.run()
        shasum.waitUntilExit()
        let expected = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        #expect(words[0] == "sha256:\(expected)")
        let again = try BerthCLI().run(["pack", "sites/hello", "-o", "-"])
        #expect(again.stderr == outcome.stderr, "the same site packs to the same digest")
    }

    @Test("--json: pack reports digest and size, render the files, as JSON")
    func json() throws {
        let packed = try BerthCLI().run(["pack", "sites/hello", "-o", "/dev/null", "--json"])
        #expect(packed.status == 0, "\(packed)")
        let record = try #require(packed.jsonLines.first)
        #expect((record["digest"] as? String)?.hasPrefix("sha256:") == true)
        #expect((record["bytes"] as? Int ?? 0) > 0)
        let rendered = try BerthCLI().run(["render", "sites/hello", "--server", "python", "--json"])
        #expect(rendered.status == 0, "\(rendered)")
        let files = try #require(rendered.jsonLines.first?["files"] as? [[String: String]])
        #expect(files.first?["name"] == "Dockerfile")
        #expect(files.first?["contents"]?.contains("http.server") == true)
    }

    @Test("render prints the Dockerfile; --out writes it with the server's configuration")
    func render() throws {
        let printed = try BerthCLI(extraEnvironment: ["BERTH_NGINX_IMAGE": "example/nginx:1"]).run(["render", "sites/hello"])
        #expect(printed.status == 0)
        #expect(printed.stdout.contains("FROM example/nginx:1\n"))
        let directory = try scratch()
        let written = try BerthCLI().run(["render", "sites/hello", "--server", "python", "--base-image", "py:3", "--out", directory])
        #expect(written.status == 0, "\(written)")
        let dockerfile = try String(contentsOfFile: directory + "/Dockerfile", encoding: .utf8)
        #expect(dockerfile.contains("FROM py:3\n"))
        #expect(dockerfile.contains("http.server"))
    }

    @Test("bad input: clear message naming the path, exit status 1, no tar left behind", arguments: [
        ("sites/does-not-exist", "does not exist"),
        ("README.md", "is a file, not a directory"),
    ])
    func badInput(_ site: String, _ message: String) throws {
        let out = try scratch() + "/out.tar"
        let outcome = try BerthCLI().run(["pack", site, "-o", out])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.stderr.contains(site))
        #expect(outcome.stderr.contains(message), "\(outcome)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("an unreadable file is named; checked as an unprivileged user, since root reads everything")
    func unreadableFile() throws {
        let site = try scratch()
        try "home".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
        try "secret".write(toFile: site + "/private.html", atomically: true, encoding: .utf8)
        chmod(site + "/index.html", 0o644)
        chmod(site + "/private.html", 0o600)
        var cli = BerthCLI()
        if getuid() == 0 {
            cli.launcher = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            // The checkout may sit where that user cannot go (a 0700 temporary directory): give it its own copy of
            // berth and the templates.
            let tools = try scratch()
            try FileManager.default.copyItem(atPath: BerthCLI.executable, toPath: tools + "/berth")
            try FileManager.default.copyItem(atPath: BerthCLI.repositoryRoot.appendingPathComponent("templates").path,
                                             toPath: tools + "/templates")
            cli.program = tools + "/berth"
            cli.environment["BERTH_TEMPLATES"] = tools + "/templates"
        }
        let outcome = try cli.run(["pack", site, "-o", "/dev/null"])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.stderr.contains("private.html cannot be read"), "\(outcome)")
        #expect(!outcome.stderr.contains("index.html"))
    }

    @Test("an unknown berth.yml key is an error naming the file and line")
    func badSiteConfig() throws {
        let site = try scratch()
        try "<h1>x</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
        try "server: nginx\nmemroy: 64m\n".write(toFile: site + "/berth.yml", atomically: true, encoding: .utf8)
        let outcome = try BerthCLI().run(["render", site])
        #expect(outcome.status == 64, "a mistake in berth.yml is a usage error: \(outcome)")
        #expect(outcome.stderr.contains("berth.yml, line 2: unknown key 'memroy'"), "\(outcome)")
    }

    @Test("a bad .dockerignore pattern is an error naming its line")
    func badIgnoreFile() throws {
        let site = try scratch()
        try "<h1>x</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
        try "# comment\n[unclosed\n".write(toFile: site + "/.dockerignore", atomically: true, encoding: .utf8)
        let outcome = try BerthCLI().run(["pack", site, "-o", "/dev/null"])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.stderr.contains(".dockerignore line 2"), "\(outcome)")
    }
}
