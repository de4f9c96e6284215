import Foundation
import DockerIgnore

/// A site directory as berth sees it: its files, its `.dockerignore` and its optional `berth.yml`.
public struct Site: Sendable {
    /// The path as the user gave it, for messages.
    public let path: String
    public let config: SiteConfig
    public let tree: SiteTree
    /// `_redirects`, `_headers` and berth.yml's `basic_auth`.
    public let rules: SiteRules

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
        if let page = config.errorPage, !tree.ships(file: page.text) {
            throw ConfigFileError(
                file: configPath, line: nil,
                message: "error_page \(ConfigValue.quoted(page.text)) is not valid: the site has no regular file "
                    + "there that is shipped (check the name, and that .dockerignore does not leave it out)")
        }
        var siteRules = SiteRules(basicAuth: config.basicAuth, cleanURLs: config.cleanURLs,
                                  precompress: config.precompress)
        let redirectsPath = path + "/" + RedirectsFile.fileName
        if let text = try readOptionalFile(redirectsPath) {
            siteRules.redirects = try RedirectsFile(text: text, file: redirectsPath)
        }
        let headersPath = path + "/" + HeadersFile.fileName
        if let text = try readOptionalFile(headersPath) {
            siteRules.headers = try HeadersFile(text: text, file: headersPath)
        }
        return Site(path: path, config: config, tree: tree, rules: siteRules)
    }

    /// The site's name from its directory's name, or nil when that gives no usable name (see `SiteName`).
    public var defaultName: String? {
        SiteName.derived(from: directoryName)
    }

    /// The name of the site's directory, with `.` and `..` resolved.
    var directoryName: String {
        URL(fileURLWithPath: tree.root).standardized.lastPathComponent
    }

    /// The error page for missing paths: the configured one, else `404.html` when the site has it.
    public var errorPage: SiteFilePath? {
        if let configured = config.errorPage { return configured }
        return tree.ships(file: Self.defaultErrorPage.text) ? Self.defaultErrorPage : nil
    }

    static let defaultErrorPage = SiteFilePath(knownValid: "404.html")

    /// The values the templates are rendered with for this site.
    public func templateValues(server: ServerKind, baseImage: ImageReference, identity: SiteIdentity) -> TemplateValues {
        TemplateValues(baseImage: baseImage, port: server.containerPort, user: server.runAsUser,
                       spa: config.spa, errorPage: errorPage, imageLabels: identity.imageLabels(server: server),
                       rules: rules)
    }

    /// The build context `publish` sends for this site as `identity`: the rendered Dockerfile and server
    /// configuration, and the site's files. A site with rules only nginx serves cannot be built for another server.
    public func buildContext(templates: TemplateSet, identity: SiteIdentity, server: ServerKind,
                             baseImage: ImageReference, trustedProxy: EdgeSourceAddress? = nil) throws -> BuildContext {
        try checkRules(server: server)
        var values = templateValues(server: server, baseImage: baseImage, identity: identity)
        values.trustedProxy = trustedProxy
        let rendered = try templates.render(server: server, values: values)
        return BuildContext(rootFiles: rendered + rules.htpasswdFiles, tree: tree)
    }

    /// The python server supports none of the rules: such a site is an error rather than one that silently
    /// serves something else than its files say.
    func checkRules(server: ServerKind) throws(ConfigFileError) {
        let unsupported = rules.nginxOnlyFeatures
        guard server != .nginx, let first = unsupported.first else { return }
        let file = first.hasPrefix("_") ? first : SiteConfig.fileName
        throw ConfigFileError(
            file: path + "/" + file, line: nil,
            message: "the \(server.rawValue) server supports none of _redirects, _headers and basic_auth, and this "
                + "site has \(unsupported.joined(separator: " and ")); publish it with nginx (server: nginx, the "
                + "default) or remove \(unsupported.count == 1 ? "it" : "them")")
    }

    /// Who publishes the site under which name: `name`, else the directory's name, for `user`.
    /// A directory whose name gives no usable site name (`日本`, `lock`) needs `name`.
    public func identity(name: String?, user: String) throws(SiteNameError) -> SiteIdentity {
        guard let name = name ?? defaultName else {
            throw SiteNameError.directoryName(directory: directoryName, path: path,
                                              derived: SiteName.sanitized(directoryName))
        }
        try SiteName.check(name, as: .site)
        try SiteName.check(user, as: .user)
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
