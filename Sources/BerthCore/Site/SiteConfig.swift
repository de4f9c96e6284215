/// The optional `berth.yml` at a site's root. Every field may be overridden on the command line.
public struct SiteConfig: Sendable, Equatable {
    public var server: ServerKind?
    public var memory: MemoryLimit?
    /// The host port to publish on; nil leaves the choice to berth.
    public var port: Int?
    /// Unknown paths fall back to /index.html (single-page applications).
    public var spa: Bool = false
    /// The page served for a missing path, relative to the site root (default: `404.html` when present).
    public var errorPage: SiteFilePath?
    /// The path the serve check asks for (default `/`): a page that exists when the site has no `index.html`.
    public var checkPath: String?
    /// Names the host's edge serves the site under, besides its default one (`domains:`, a list or one name).
    public var domains: [EdgeHostname] = []
    /// Parts of the site behind a password (nginx).
    public var basicAuth: [BasicAuthArea] = []
    /// `/about` serves `about.html`; `/about.html` redirects to `/about` (nginx).
    public var cleanURLs = false
    /// Text files get a gzip copy made in the image, served with `gzip_static` (nginx).
    public var precompress = false

    public static let fileName = "berth.yml"
    static let keys = ["server", "memory", "port", "spa", "error_page", "check_path", "domains", BasicAuthArea.key,
                       "clean_urls", "precompress"]

    public init(server: ServerKind? = nil, memory: MemoryLimit? = nil, port: Int? = nil, spa: Bool = false,
                errorPage: SiteFilePath? = nil) {
        self.server = server
        self.memory = memory
        self.port = port
        self.spa = spa
        self.errorPage = errorPage
    }

    /// Parses berth.yml. Each value is accepted only as what it means (a server name, a size, a number, a boolean, a
    /// path inside the site); anything else is a `ConfigFileError` naming the key, its line and what is allowed.
    public init(yaml text: String, file: String = fileName) throws(ConfigFileError) {
        guard let mapping = try YAMLMapping.parse(text, file: file) else { return }
        try mapping.rejectUnknownKeys(allowed: Self.keys, in: file)
        func refuse(_ key: String, _ value: String, _ line: Int?, _ reason: String) -> ConfigFileError {
            ConfigFileError(file: file, line: line, message: "\(key) \(ConfigValue.quoted(value)) is not valid: \(reason)")
        }
        if let (text, line) = try mapping.string("server") {
            guard let server = ServerKind(rawValue: text) else {
                throw refuse("server", text, line, "use nginx or python")
            }
            self.server = server
        }
        if let (text, line) = try mapping.string("memory") {
            do {
                memory = try MemoryLimit(parsing: text)
            } catch {
                throw refuse("memory", text, line, error.reason)
            }
        }
        if let (text, line) = try mapping.string("port") {
            guard text.allSatisfy(\.isASCII), let port = Int(text), (1...65535).contains(port) else {
                throw refuse("port", text, line, "it must be a number from 1 to 65535")
            }
            self.port = port
        }
        spa = try mapping.bool("spa") ?? false
        cleanURLs = try mapping.bool("clean_urls") ?? false
        precompress = try mapping.bool("precompress") ?? false
        if let (text, line) = try mapping.string("error_page") {
            do {
                errorPage = try SiteFilePath(parsing: text)
            } catch {
                throw refuse("error_page", text, line, "\(error.reason); it names a file inside the site, such as 404.html")
            }
        }
        for (text, line) in try mapping.strings("domains") {
            do {
                domains.append(try EdgeHostname(parsing: text))
            } catch {
                throw refuse("domains", text, line, "\(error.reason); use names such as www.example.com")
            }
        }
        if let (text, line) = try mapping.string("check_path") {
            guard Self.isValidCheckPath(text) else {
                throw refuse("check_path", text, line, "it must be a path such as /health.html: it starts with / "
                    + "and holds only letters, digits and - . _ ~ / (at most 200)")
            }
            checkPath = text
        }
        if let entry = mapping.entries.first(where: { $0.key == BasicAuthArea.key }) {
            basicAuth = try BasicAuthArea.parseList(entry.value, file: file)
        }
    }

    /// A path the check may put in its URL as it is: `/`, then unreserved URL characters and `/` only (no query,
    /// no escapes, no `..` segment), so it never needs quoting.
    public static func isValidCheckPath(_ path: String) -> Bool {
        guard path.hasPrefix("/"), path.utf8.count <= 200 else { return false }
        let allowed = path.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar) || "-._~/".unicodeScalars.contains(scalar))
        }
        return allowed && !path.split(separator: "/").contains { $0 == ".." || $0 == "." }
    }
}
