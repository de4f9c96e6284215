import DockerIgnore
import Foundation
import Testing
@testable import BerthCore

@Suite("berth init's starter files")
struct StarterFilesTests {
    static func file(_ path: String) throws -> String {
        try #require(StarterFiles.standard.files.first { $0.path == path }).contents
    }

    @Test("berth.yml has every key, commented out; as written it is the defaults, uncommented it is valid")
    func siteConfig() throws {
        let text = try Self.file("berth.yml")
        #expect(try SiteConfig(yaml: text) == SiteConfig(), "all commented out: nothing set")
        let settings = text.split(separator: "\n").filter { line in
            SiteConfig.keys.contains { line.hasPrefix("# \($0): ") }
        }
        #expect(settings.map { String($0.dropFirst(2).prefix { $0 != ":" }) }.sorted() == SiteConfig.keys.sorted(),
                "every key berth.yml reads appears once, commented out")
        let uncommented = settings.map { $0.dropFirst(2) }.joined(separator: "\n")
        let config = try SiteConfig(yaml: uncommented)
        #expect(config.server == .nginx)
        #expect(config.memory == MemoryLimit.defaultLimit)
        #expect(config.spa == false)
        #expect(config.errorPage?.text == "404.html")
        #expect(config.checkPath == "/")
    }

    @Test(".dockerignore is valid and keeps the workflow and editor files out, the site in")
    func dockerignore() throws {
        let rules = try IgnoreRules(dockerignore: try Self.file(".dockerignore"))
        for path in [".github", ".github/workflows/berth.yml", "about/.DS_Store", "index.html.swp", "notes~"] {
            #expect(rules.excludes(path), "\(path) would be shipped")
        }
        for path in ["index.html", "css/site.css", "404.html"] {
            #expect(!rules.excludes(path), "\(path) would be left out")
        }
    }

    @Test("the workflow publishes with BERTH_* variables and the engine's TLS files")
    func workflow() throws {
        let text = try Self.file(".github/workflows/berth.yml")
        for needed in ["BERTH_USER: ${{ vars.BERTH_USER }}", "BERTH_REGISTRY_PASSWORD: ${{ secrets.BERTH_REGISTRY_PASSWORD }}",
                       "image: ${{ vars.BERTH_IMAGE }}", "DOCKER_TLS_VERIFY: \"1\"", "run: berth publish ."] {
            #expect(text.contains(needed), "the workflow lacks \(needed)")
        }
        let workflow = try #require(try YAMLMapping.parse(text, file: "berth.yml"), "the workflow is YAML")
        #expect(workflow.entries.map(\.key) == ["name", "on", "concurrency", "jobs"])
    }

    @Test("write refuses, writing nothing, when any file exists; overwrite replaces them")
    func refusesToOverwrite() throws {
        let site = try TemporarySite()
        try site.write(".dockerignore", "mine\n")
        #expect(throws: StarterFilesError.wouldOverwrite(directory: site.path, files: [".dockerignore"])) {
            try StarterFiles.standard.write(into: site.path, overwrite: false)
        }
        #expect(!FileManager.default.fileExists(atPath: site.path + "/berth.yml"))
        try StarterFiles.standard.write(into: site.path, overwrite: true)
        #expect(try String(contentsOfFile: site.path + "/.dockerignore", encoding: .utf8) == Self.file(".dockerignore"))
        #expect(FileManager.default.fileExists(atPath: site.path + "/.github/workflows/berth.yml"))
    }
}
