import Foundation
import Mustache

/// A file placed at the root of the build context: the Dockerfile or one of the server's configuration files.
public struct ContextFile: Sendable, Equatable {
    public var name: String
    public var contents: String

    public init(name: String, contents: String) {
        self.name = name
        self.contents = contents
    }
}

/// What the templates may refer to. A template naming anything else fails to render.
public struct TemplateValues: Sendable, Equatable {
    public var baseImage: ImageReference
    public var port: Int
    public var user: String
    public var spa: Bool
    /// Path of the error page inside the site, if any.
    public var errorPage: SiteFilePath?
    /// Labels written into the Dockerfile (one `LABEL` step, cached across publishes of the site), rather than
    /// passed to the build, where the classic builder adds a step, and a container, for each.
    public var imageLabels: [String: String]
    /// Behind a host's edge: the address whose `X-Forwarded-For` the server trusts for the client's address.
    public var trustedProxy: EdgeSourceAddress?
    /// `_redirects`, `_headers` and `basic_auth`, checked.
    public var rules: SiteRules

    public init(baseImage: ImageReference, port: Int, user: String, spa: Bool, errorPage: SiteFilePath?,
                imageLabels: [String: String], rules: SiteRules = SiteRules()) {
        self.baseImage = baseImage
        self.port = port
        self.user = user
        self.spa = spa
        self.errorPage = errorPage
        self.imageLabels = imageLabels
        self.rules = rules
    }

    /// `key="value" …`, sorted by key, for a Dockerfile `LABEL` instruction.
    var labelInstructionArguments: String {
        imageLabels.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\(key)=\"\(escaped)\""
        }.joined(separator: " ")
    }

    var mustacheContext: [String: Any] {
        var context: [String: Any] = [
            "baseImage": baseImage.description,
            "imageLabels": labelInstructionArguments,
            "port": port,
            "user": user,
            "spa": spa,
            "siteDirectory": BuildContextLayout.siteDirectory,
            "siteRoot": BuildContextLayout.siteRootInImage,
            "siteManifest": BuildContextLayout.siteManifest,
            "siteManifestInImage": BuildContextLayout.siteManifestInImage,
        ]
        context["errorPage"] = errorPage?.text ?? false
        context["trustedProxy"] = trustedProxy?.text ?? false
        context.merge(rules.mustacheContext) { current, _ in current }
        return context
    }
}

/// Where things live inside the build context and the image; shared by the templates and the packer.
public enum BuildContextLayout {
    public static let siteDirectory = "site"
    public static let siteRootInImage = "/srv/site"
    /// The manifest of the site's files (`SiteManifest`): packed last in the context, copied into the image.
    public static let siteManifest = "site-manifest.json"
    public static let siteManifestInImage = "/etc/berth/site-manifest.json"
}

public enum TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case directoryNotFound(path: String, origin: String)
    case noTemplates(server: String, directory: String)
    case unreadable(file: String, reason: String)
    case invalid(file: String, reason: String)
    case notPlainText(file: String)
    case missingValues(template: String, names: [String])
    case missingPartial(template: String, partial: String)

    public var description: String {
        switch self {
        case .directoryNotFound(let path, let origin):
            return "the templates directory '\(path)' (from \(origin)) has no SERVER/Dockerfile.mustache; "
                + "name a directory laid out like berth's templates/ (berth init --templates writes one), "
                + "or leave \(origin) out to use the templates built into berth"
        case .noTemplates(let server, let directory):
            return "no Dockerfile.mustache for server '\(server)' in \(directory)"
        case .unreadable(let file, let reason):
            return "cannot read template \(file): \(reason)"
        case .invalid(let file, let reason):
            return "template \(file) is not valid Mustache: \(reason)"
        case .notPlainText(let file):
            return "template \(file) must start with {{%CONTENT_TYPE: TEXT}} so that nothing in it is HTML-escaped"
        case .missingValues(let template, let names):
            return "template \(template) refers to \(names.map { "'\($0)'" }.joined(separator: ", ")), which berth "
                + "does not provide; known values: \(TemplateValues.knownNames.joined(separator: ", "))"
        case .missingPartial(let template, let partial):
            return "template \(template) includes partial '\(partial)', which does not exist"
        }
    }
}

extension TemplateValues {
    static let knownNames = ["baseImage", "basicAuth", "cleanUrls", "errorPage", "hasBasicAuth", "port", "precompress",
                             "redirects", "responseHeaders", "siteDirectory", "siteManifest", "siteManifestInImage",
                             "siteRoot", "spa", "trustedProxy", "user"]
}

/// The Mustache templates for every server, built into berth or read from a directory laid out the same way:
/// `SERVER/Dockerfile.mustache`, each other `NAME.mustache` there renders to a context file `NAME`, and
/// `_NAME.mustache` files are partials only.
public struct TemplateSet: Sendable {
    /// The templates' directory, as messages name it; `<built in>` for the templates compiled into berth.
    public let directory: String
    /// The texts by path below the directory (`nginx/Dockerfile.mustache`) when built in; nil to read `directory`.
    private let embeddedFiles: [String: String]?

    public init(directory: String) {
        self.directory = directory
        self.embeddedFiles = nil
    }

    private init(builtIn files: [String: String]) {
        self.directory = "<built in>"
        self.embeddedFiles = files
    }

    /// The templates compiled into berth from the repository's `templates/` (see `scripts/embed-templates`).
    public static let builtIn = TemplateSet(builtIn: BuiltInTemplates.files)

    static let plainTextPragma = "{{%CONTENT_TYPE: TEXT}}"

    /// `override` (`--templates`), else `BERTH_TEMPLATES`, else the built-in templates. A directory given either way
    /// must hold at least one `SERVER/Dockerfile.mustache`.
    public static func locate(override: String? = nil,
                              environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(TemplateError) -> TemplateSet
    {
        let chosen: (path: String, origin: String)
        if let override, !override.isEmpty {
            chosen = (override, "--templates")
        } else if let fromEnvironment = environment["BERTH_TEMPLATES"], !fromEnvironment.isEmpty {
            chosen = (fromEnvironment, "BERTH_TEMPLATES")
        } else {
            return builtIn
        }
        let hasAServer = ServerKind.allCases.contains { server in
            FileManager.default.fileExists(atPath: "\(chosen.path)/\(server.rawValue)/Dockerfile.mustache")
        }
        guard hasAServer else { throw TemplateError.directoryNotFound(path: chosen.path, origin: chosen.origin) }
        return TemplateSet(directory: chosen.path)
    }

    /// The built-in templates' files by path below `templates/` (`nginx/Dockerfile.mustache`), to write them out
    /// as a directory to start one's own from (`berth init --templates`).
    public static var builtInFiles: [String: String] { BuiltInTemplates.files }

    /// Renders the Dockerfile and the server's configuration files, Dockerfile first, the rest by name.
    public func render(server: ServerKind, values: TemplateValues) throws(TemplateError) -> [ContextFile] {
        let serverDirectory = directory + "/" + server.rawValue
        let sources = try loadSources(serverDirectory)
        guard sources["Dockerfile"] != nil else {
            throw TemplateError.noTemplates(server: server.rawValue, directory: serverDirectory)
        }
        var library = MustacheLibrary()
        for (name, text) in sources {
            do {
                try library.register(text, named: name)
            } catch {
                throw TemplateError.invalid(file: "\(serverDirectory)/\(name).mustache", reason: "\(error)")
            }
        }
        for (name, text) in sources {
            for partial in Self.partialNames(in: text) where sources[partial] == nil {
                throw TemplateError.missingPartial(template: "\(server.rawValue)/\(name).mustache", partial: partial)
            }
        }
        let outputs = sources.keys.filter { !$0.hasPrefix("_") }
            .sorted { ($0 == "Dockerfile" ? 0 : 1, $0) < ($1 == "Dockerfile" ? 0 : 1, $1) }
        var files: [ContextFile] = []
        for name in outputs {
            let recorder = LookupRecorder(values: values.mustacheContext)
            let rendered = library.render(recorder, withTemplate: name) ?? ""
            if !recorder.missing.isEmpty {
                throw TemplateError.missingValues(template: "\(server.rawValue)/\(name).mustache",
                                                  names: recorder.missing.sorted())
            }
            files.append(ContextFile(name: name, contents: rendered))
        }
        return files
    }

    private func loadSources(_ serverDirectory: String) throws(TemplateError) -> [String: String] {
        if let embeddedFiles {
            let prefix = URL(fileURLWithPath: serverDirectory).lastPathComponent + "/"
            var sources: [String: String] = [:]
            for (path, text) in embeddedFiles where path.hasPrefix(prefix) && path.hasSuffix(".mustache") {
                sources[String(path.dropFirst(prefix.count).dropLast(".mustache".count))] = text
            }
            return sources
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: serverDirectory)
        } catch {
            throw TemplateError.noTemplates(server: URL(fileURLWithPath: serverDirectory).lastPathComponent,
                                            directory: serverDirectory)
        }
        var sources: [String: String] = [:]
        for fileName in names where fileName.hasSuffix(".mustache") {
            let path = serverDirectory + "/" + fileName
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw TemplateError.unreadable(file: path, reason: error.localizedDescription)
            }
            guard text.hasPrefix(Self.plainTextPragma) else {
                throw TemplateError.notPlainText(file: path)
            }
            sources[String(fileName.dropLast(".mustache".count))] = text
        }
        return sources
    }

    static func partialNames(in text: String) -> [String] {
        var names: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "{{>") {
            rest = rest[open.upperBound...]
            guard let close = rest.range(of: "}}") else { break }
            names.append(rest[..<close.lowerBound].trimmingWhitespace())
            rest = rest[close.upperBound...]
        }
        return names
    }
}

/// The root rendering context: answers from the values and remembers every name a template asked for that is
/// not there, since Mustache itself renders a missing name as empty text.
private final class LookupRecorder: MustacheParent {
    let values: [String: Any]
    var missing: Set<String> = []

    init(values: [String: Any]) {
        self.values = values
    }

    func child(named name: String) -> Any? {
        if let value = values[name] { return value }
        missing.insert(name)
        return nil
    }
}
