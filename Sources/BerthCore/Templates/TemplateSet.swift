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

    public init(baseImage: ImageReference, port: Int, user: String, spa: Bool, errorPage: SiteFilePath?,
                imageLabels: [String: String]) {
        self.baseImage = baseImage
        self.port = port
        self.user = user
        self.spa = spa
        self.errorPage = errorPage
        self.imageLabels = imageLabels
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
        ]
        context["errorPage"] = errorPage?.text ?? false
        return context
    }
}

/// Where things live inside the build context and the image; shared by the templates and the packer.
public enum BuildContextLayout {
    public static let siteDirectory = "site"
    public static let siteRootInImage = "/srv/site"
}

public enum TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case directoryNotFound(searched: [String])
    case noTemplates(server: String, directory: String)
    case unreadable(file: String, reason: String)
    case invalid(file: String, reason: String)
    case notPlainText(file: String)
    case missingValues(template: String, names: [String])
    case missingPartial(template: String, partial: String)

    public var description: String {
        switch self {
        case .directoryNotFound(let searched):
            return "cannot find berth's templates; looked in \(searched.joined(separator: ", ")). "
                + "Set BERTH_TEMPLATES to the templates directory"
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
    static let knownNames = ["baseImage", "errorPage", "port", "siteDirectory", "siteRoot", "spa", "user"]
}

/// The Mustache templates for every server, loaded from a `templates/` directory:
/// `templates/SERVER/Dockerfile.mustache`, each other `NAME.mustache` there renders to a context file `NAME`,
/// and `_NAME.mustache` files are partials only.
public struct TemplateSet: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    static let plainTextPragma = "{{%CONTENT_TYPE: TEXT}}"

    /// `BERTH_TEMPLATES`, else `templates/` beside or above the executable (a source checkout), else the
    /// installed share directory.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(TemplateError) -> TemplateSet
    {
        var candidates: [String] = []
        if let fromEnvironment = environment["BERTH_TEMPLATES"], !fromEnvironment.isEmpty {
            candidates.append(fromEnvironment)
        } else {
            var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
                .deletingLastPathComponent()
            for _ in 0..<6 {
                candidates.append(directory.appendingPathComponent("templates").path)
                candidates.append(directory.appendingPathComponent("share/berth/templates").path)
                directory.deleteLastPathComponent()
            }
            candidates.append(FileManager.default.currentDirectoryPath + "/templates")
            candidates.append("/usr/local/share/berth/templates")
        }
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate + "/nginx/Dockerfile.mustache") {
            return TemplateSet(directory: candidate)
        }
        throw TemplateError.directoryNotFound(searched: Array(candidates.prefix(3)) + ["…"])
    }

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
