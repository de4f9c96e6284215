import Foundation
import Testing
@testable import BerthCore

@Suite("Built-in templates")
struct BuiltInTemplatesTests {
    static let templatesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("templates").path

    /// Every `SERVER/NAME.mustache` below the repository's `templates/`, read byte for byte.
    static func repositoryTemplates() throws -> [String: String] {
        var files: [String: String] = [:]
        for server in try FileManager.default.contentsOfDirectory(atPath: templatesDirectory) {
            let directory = templatesDirectory + "/" + server
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else { continue }
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".mustache") {
                files["\(server)/\(name)"] = String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)),
                                                    as: UTF8.self)
            }
        }
        return files
    }

    @Test("the templates built into berth are exactly templates/ (run scripts/embed-templates after changing it)")
    func upToDate() throws {
        let onDisk = try Self.repositoryTemplates()
        let builtIn = TemplateSet.builtInFiles
        #expect(builtIn.keys.sorted() == onDisk.keys.sorted(),
                "templates/ and the built-in set differ in files: run scripts/embed-templates and commit the result")
        for (path, text) in onDisk {
            #expect(builtIn[path] == text, "\(path) differs from its built-in copy: run scripts/embed-templates")
        }
    }

    @Test("the built-in set renders what the directory renders, for every server", arguments: ServerKind.allCases)
    func rendersLikeTheDirectory(_ server: ServerKind) throws {
        let values = TemplateValues(baseImage: try ImageReference(parsing: "base:1"), port: 8080,
                                    user: server.runAsUser, spa: true, errorPage: try SiteFilePath(parsing: "404.html"),
                                    imageLabels: SiteIdentity(user: "ann", site: "blog").imageLabels(server: server))
        let builtIn = try TemplateSet.builtIn.render(server: server, values: values)
        let fromDirectory = try TemplateSet(directory: Self.templatesDirectory).render(server: server, values: values)
        #expect(builtIn == fromDirectory)
        #expect(builtIn.first?.name == "Dockerfile")
    }

    @Test("lookup: --templates, else BERTH_TEMPLATES, else the built-in set; never a path found from argv[0]")
    func lookupOrder() throws {
        let other = try TemporarySite()
        try other.write("nginx/Dockerfile.mustache", "{{%CONTENT_TYPE: TEXT}}\nFROM {{baseImage}}\n")
        #expect(try TemplateSet.locate(override: nil, environment: [:]).directory == TemplateSet.builtIn.directory)
        #expect(try TemplateSet.locate(override: nil, environment: ["BERTH_TEMPLATES": ""]).directory
            == TemplateSet.builtIn.directory)
        #expect(try TemplateSet.locate(override: nil, environment: ["BERTH_TEMPLATES": other.path]).directory == other.path)
        #expect(try TemplateSet.locate(override: other.path, environment: ["BERTH_TEMPLATES": Self.templatesDirectory])
            .directory == other.path)
    }

    @Test("a templates directory without any SERVER/Dockerfile.mustache is an error naming it and where it came from")
    func badDirectory() throws {
        let empty = try TemporarySite()
        #expect(throws: TemplateError.directoryNotFound(path: empty.path, origin: "BERTH_TEMPLATES")) {
            try TemplateSet.locate(override: nil, environment: ["BERTH_TEMPLATES": empty.path])
        }
        let error = #expect(throws: TemplateError.self) {
            try TemplateSet.locate(override: empty.path + "/nowhere", environment: [:])
        }
        #expect(error?.description.contains("'\(empty.path)/nowhere' (from --templates)") == true, "\(String(describing: error))")
    }
}
