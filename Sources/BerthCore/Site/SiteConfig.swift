/// The optional `berth.yml` at a site's root. Every field may be overridden on the command line.
public struct SiteConfig: Sendable, Equatable {
    public var server: ServerKind?
    public var memory: MemoryLimit?
    /// The host port to publish on; nil leaves the choice to berth.
    public var port: Int?
    /// Unknown paths fall back to /index.html (single-page applications).
    public var spa: Bool = false
    /// The page served for a missing path, relative to the site root (default: `404.html` when present).
    public var errorPage: String?
    /// The path the serve check asks for (default `/`): a page that exists when the site has no `index.html`.
    public var checkPath: String?

    public static let fileName = "berth.yml"
    static let keys = ["server", "memory", "port", "spa", "error_page", "check_path"]

    public init(server: ServerKind? = nil, memory: MemoryLimit? = nil, port: Int? = nil, spa: Bool = false,
                errorPage: String? = nil) {
        self.server = server
        self.memory = memory
        self.port = port
        self.spa = spa
        self.errorPage = errorPage
    }

    public init(yaml text: String, file: String = fileName) throws(ConfigFileError) {
        guard let mapping = try YAMLMapping.parse(text, file: file) else { return }
        try mapping.rejectUnknownKeys(allowed: Self.keys, in: file)
        if let (text, line) = try mapping.string("server") {
            guard let server = ServerKind(rawValue: text) else {
                throw ConfigFileError(file: file, line: line,
                                      message: "server '\(text)' is not known; use nginx or python")
            }
            self.server = server
        }
        if let (text, line) = try mapping.string("memory") {
            do {
                memory = try MemoryLimit(parsing: text)
            } catch {
                throw ConfigFileError(file: file, line: line, message: error.description)
            }
        }
        if let (text, line) = try mapping.string("port") {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw ConfigFileError(file: file, line: line, message: "port must be a number from 1 to 65535, not '\(text)'")
            }
            self.port = port
        }
        spa = try mapping.bool("spa") ?? false
        if let (text, line) = try mapping.string("error_page") {
            let cleaned = text.hasPrefix("/") ? String(text.dropFirst()) : text
            guard !cleaned.isEmpty, !cleaned.split(separator: "/").contains("..") else {
                throw ConfigFileError(file: file, line: line,
                                      message: "error_page must be a path inside the site, such as 404.html")
            }
            errorPage = cleaned
        }
        if let (text, line) = try mapping.string("check_path") {
            guard Self.isValidCheckPath(text) else {
                throw ConfigFileError(file: file, line: line, message: "check_path '\(text)' must be a path such as "
                    + "/health.html: it starts with / and holds only letters, digits and - . _ ~ / (at most 200)")
            }
            checkPath = text
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
