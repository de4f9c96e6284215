import BerthCore
import Foundation
import Testing

/// berth as one file: what someone who copies it onto a machine, or starts a site with it, runs.
@Suite("Installing and starting with berth", .blockingCalls)
struct InstallTests {
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "/berth-install-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `BERTH_STATIC_BIN`, else the build `swift build --static-swift-stdlib --product berth --scratch-path
    /// .build-static` makes (scripts/test runs it): the debug build with the Swift runtime linked in, as released.
    static var staticExecutable: String {
        if let path = ProcessInfo.processInfo.environment["BERTH_STATIC_BIN"], !path.isEmpty { return path }
        return BerthCLI.repositoryRoot.appendingPathComponent(".build-static/debug/berth").path
    }

    @Test("the binary alone, in a bare Debian container, from an empty directory: --version, init, render, pack, publish through the mounted socket; ldd lists no Swift runtime",
          .timeLimit(.minutes(6)))
    func oneBinary() throws {
        let binary = Self.staticExecutable
        try #require(FileManager.default.isExecutableFile(atPath: binary),
                     "no \(binary): build it with `swift build --static-swift-stdlib --product berth --scratch-path .build-static` (scripts/test does), or set BERTH_STATIC_BIN")
        var check = BerthCLI()
        check.program = BerthCLI.repositoryRoot.appendingPathComponent("scripts/install-check").path
        let outcome = try check.run([binary], timeout: 200)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stderr.contains("    version: \(BerthVersion.current)\n"), "\(outcome)")
        #expect(outcome.stderr.hasSuffix("install-check: ok\n"), "\(outcome)")
    }

    @Test("--version prints the version and nothing else")
    func version() throws {
        let outcome = try BerthCLI().run(["--version"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout == BerthVersion.current + "\n")
    }

    @Test("init writes berth.yml, .dockerignore and the workflow; it never overwrites them without --force")
    func initWritesAndRefuses() throws {
        let directory = try scratch() + "/new-site"
        let written = try BerthCLI().run(["init", directory])
        #expect(written.status == 0, "\(written)")
        let paths = ["berth.yml", ".dockerignore", ".github/workflows/berth.yml"]
        for path in paths {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + path), "\(path) missing")
        }
        let config = directory + "/berth.yml"
        #expect(try String(contentsOfFile: config, encoding: .utf8).contains("# memory: 64m\n"))

        try "server: python\n".write(toFile: config, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: directory + "/.dockerignore")
        let refused = try BerthCLI().run(["init", directory])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("already has berth.yml, .github/workflows/berth.yml; nothing was written"),
                "\(refused)")
        #expect(refused.stderr.contains("--force"))
        #expect(try String(contentsOfFile: config, encoding: .utf8) == "server: python\n", "berth.yml was overwritten")
        #expect(!FileManager.default.fileExists(atPath: directory + "/.dockerignore"),
                "a refused init writes nothing, not even the files that were missing")

        let forced = try BerthCLI().run(["init", directory, "--force"])
        #expect(forced.status == 0, "\(forced)")
        #expect(try String(contentsOfFile: config, encoding: .utf8).contains("# server: nginx\n"))
        #expect(FileManager.default.fileExists(atPath: directory + "/.dockerignore"))
    }

    @Test("--templates, else BERTH_TEMPLATES, overrides the built-in templates; a directory without templates is a usage error naming it")
    func templatesOverride() throws {
        func templates(marker: String) throws -> String {
            let directory = try scratch()
            try FileManager.default.createDirectory(atPath: directory + "/nginx", withIntermediateDirectories: true)
            try "{{%CONTENT_TYPE: TEXT}}\n# \(marker)\nFROM {{baseImage}}\n"
                .write(toFile: directory + "/nginx/Dockerfile.mustache", atomically: true, encoding: .utf8)
            return directory
        }
        let fromFlag = try templates(marker: "from the flag")
        let fromEnvironment = try templates(marker: "from the environment")

        let builtIn = try BerthCLI(removing: ["BERTH_TEMPLATES"]).run(["render", "sites/hello"])
        #expect(builtIn.status == 0, "\(builtIn)")
        #expect(builtIn.stdout.contains("# Rendered by berth from templates/nginx/Dockerfile.mustache."))

        let environment = try BerthCLI(extraEnvironment: ["BERTH_TEMPLATES": fromEnvironment]).run(["render", "sites/hello"])
        #expect(environment.stdout.hasPrefix("# from the environment\n"), "\(environment)")

        let flag = try BerthCLI(extraEnvironment: ["BERTH_TEMPLATES": fromEnvironment])
            .run(["render", "sites/hello", "--templates", fromFlag])
        #expect(flag.stdout.hasPrefix("# from the flag\n"), "\(flag)")

        let empty = try scratch()
        let bad = try BerthCLI().run(["render", "sites/hello", "--templates", empty])
        #expect(bad.status == 64, "\(bad)")
        #expect(bad.stderr.contains("the templates directory '\(empty)' (from --templates) has no SERVER/Dockerfile.mustache"),
                "\(bad)")
    }
}
