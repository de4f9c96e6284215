import Foundation
import DockerIgnore

/// A site directory as berth sees it: its files, its `.dockerignore` and its optional `berth.yml`.
public struct Site: Sendable {
    /// The path as the user gave it, for messages.
    public let path: String
    public let config: SiteConfig
    public let tree: SiteTree

    public static let ignoreFileName = ".dockerignore"

    /// Reads `berth.yml` and `.dockerignore`. Throws `SiteError`, `ConfigFileError` or `IgnoreRulesError`, each
    /// naming the file at fault. The files themselves are checked as they are packed.
    public static func load(path: String, dereference: Bool = false) throws -> Site {
        try SiteTree.checkRoot(path)
        let configPath = path + "/" + SiteConfig.fileName
        var config = SiteConfig()
        if let text = try readOptionalFile(configPath) {
            config = try SiteConfig(yaml: text, file: configPath)
        }
        var rules = IgnoreRules.empty
        if let text = try readOptionalFile(path + "/" + ignoreFileName) {
            rules = try IgnoreRules(dockerignore: text)
        }
        let tree = try SiteTree.open(root: path, rules: rules, dereference: dereference)
        return Site(path: path, config: config, tree: tree)
    }

    /// A name for the site that Docker accepts in image and container names, from the directory's name.
    public var defaultName: String {
        SiteName.sanitized(URL(fileURLWithPath: tree.root).lastPathComponent)
    }

    /// The error page for missing paths: the configured one, else `404.html` when the site has it.
    public var errorPage: String? {
        if let configured = config.errorPage { return configured }
        return tree.ships(file: "404.html") ? "404.html" : nil
    }

    /// The values the templates are rendered with for this site.
    public func templateValues(server: ServerKind, baseImage: String, identity: SiteIdentity) -> TemplateValues {
        TemplateValues(baseImage: baseImage, port: server.containerPort, user: server.runAsUser,
                       spa: config.spa, errorPage: errorPage, imageLabels: identity.imageLabels(server: server))
    }

    /// The build context `publish` sends for this site as `identity`: the rendered Dockerfile and server
    /// configuration, and the site's files.
    public func buildContext(templates: TemplateSet, identity: SiteIdentity, server: ServerKind,
                             baseImage: String) throws -> BuildContext {
        let values = templateValues(server: server, baseImage: baseImage, identity: identity)
        return BuildContext(rootFiles: try templates.render(server: server, values: values), tree: tree)
    }

    /// Who publishes the site under which name: `name`, else the directory's name, for `user`.
    public func identity(name: String?, user: String) throws(PublishError) -> SiteIdentity {
        let name = name ?? defaultName
        guard SiteName.isValid(name) else {
            throw PublishError.invalidOption(
                "site name '\(name)' may hold only lower-case letters, digits and dashes (at most 63)")
        }
        guard SiteName.isValid(user) else {
            throw PublishError.invalidOption(
                "user '\(user)' may hold only lower-case letters, digits and dashes (at most 63)")
        }
        return SiteIdentity(user: user, site: name)
    }

    private static func readOptionalFile(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SiteError.readFailed(path: path, reason: "permission denied or not a file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SiteError.readFailed(path: path, reason: "it is not UTF-8 text")
        }
        return text
    }
}

/// Names of sites and users as they appear in image and container names: lower-case letters, digits and dashes.
public enum SiteName {
    public static func sanitized(_ raw: String) -> String {
        var result = ""
        for scalar in raw.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else if !result.isEmpty && !result.hasSuffix("-") {
                result.append("-")
            }
        }
        while result.hasSuffix("-") { result.removeLast() }
        return result.isEmpty ? "site" : String(result.prefix(63))
    }

    /// Whether `name` may be used as given (`--name`, `--user`).
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 63 && sanitized(name) == name
    }
}
