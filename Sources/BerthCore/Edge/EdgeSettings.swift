import Foundation
import Yams

/// A host's optional `edge:` block in the hosts file: berth then runs a Caddy reverse proxy (`berth-edge`) on the
/// host, and the host's sites are reached through it by name over HTTPS.
/// ```yaml
/// edge:
///   domain: sites.example.com       # sites get SITE--USER.sites.example.com
///   tls: internal                   # acme (with email:), internal, or {cert: FILE, key: FILE}
///   email: ops@example.com          # for acme
///   http_port: 80                   # default 80
///   https_port: 443                 # default 443
///   image: caddy:2-alpine           # default BERTH_EDGE_IMAGE, else caddy:2-alpine
/// ```
public struct EdgeSettings: Sendable, Equatable {
    public enum TLSMode: Sendable, Equatable {
        /// Certificates from Let's Encrypt (ACME), `email` as the account's contact.
        case acme(email: EmailAddress?)
        /// Caddy's own CA: for private networks and tests (`berth edge ca` prints its root).
        case internalCA
        /// A certificate and key berth reads here and uploads to the edge: PEM, the certificate usually a
        /// wildcard for `*.DOMAIN`.
        case files(certificate: String, key: String)

        public var name: String {
            switch self {
            case .acme: "acme"
            case .internalCA: "internal"
            case .files: "files"
            }
        }
    }

    public var domain: EdgeHostname
    public var tls: TLSMode
    public var httpPort: Int
    public var httpsPort: Int
    /// The image named in the hosts file, if any (else `BERTH_EDGE_IMAGE`, else the official one).
    public var image: ImageReference?

    public static let defaultImage = "caddy:2-alpine"
    static let keys = ["domain", "tls", "email", "http_port", "https_port", "image"]

    public init(domain: EdgeHostname, tls: TLSMode, httpPort: Int = 80, httpsPort: Int = 443,
                image: ImageReference? = nil) {
        self.domain = domain
        self.tls = tls
        self.httpPort = httpPort
        self.httpsPort = httpsPort
        self.image = image
    }

    /// The image the edge runs: the hosts file's, else `BERTH_EDGE_IMAGE`, else `caddy:2-alpine`.
    public func image(environment: [String: String]) throws(ImageReferenceError) -> ImageReference {
        if let image { return image }
        if let text = environment["BERTH_EDGE_IMAGE"], !text.isEmpty {
            do {
                return try ImageReference(parsing: text)
            } catch {
                throw ImageReferenceError(value: text, source: "BERTH_EDGE_IMAGE", reason: error.reason)
            }
        }
        return try ImageReference(parsing: Self.defaultImage)
    }

    /// The `edge:` block of host `host`; every mistake names its line.
    static func parse(_ node: Node, host: String, line: Int?, file: String) throws(ConfigFileError) -> EdgeSettings {
        let fields = try YAMLMapping(node: node, file: file, what: "host '\(host)': 'edge'")
        try fields.rejectUnknownKeys(allowed: keys, in: "host '\(host)': 'edge'")
        func refuse(_ line: Int?, _ message: String) -> ConfigFileError {
            ConfigFileError(file: file, line: line, message: "host '\(host)': edge: \(message)")
        }
        guard let (domainText, domainLine) = try fields.string("domain") else {
            throw refuse(line, "'domain' is missing: sites are named SITE--USER.DOMAIN under it")
        }
        let domain: EdgeHostname
        do {
            domain = try EdgeHostname(parsing: domainText)
        } catch {
            throw refuse(domainLine, "domain: \(error)")
        }
        var email: EmailAddress?
        if let (text, emailLine) = try fields.string("email") {
            guard let address = EmailAddress(text) else {
                throw refuse(emailLine, "email \(ConfigValue.quoted(text)) is not an e-mail address such as ops@example.com")
            }
            email = address
        }
        let tls = try parseTLS(fields, line: line, email: email, file: file, refuse: refuse)
        if email != nil, tls.name != "acme" {
            throw refuse(fields.entries.first { $0.key == "email" }?.line, "'email' is only for tls: acme")
        }
        let httpPort = try port(fields, "http_port", default: 80, refuse: refuse)
        let httpsPort = try port(fields, "https_port", default: 443, refuse: refuse)
        guard httpPort != httpsPort else {
            throw refuse(fields.entries.first { $0.key == "https_port" }?.line, "http_port and https_port must differ")
        }
        var image: ImageReference?
        if let (text, imageLine) = try fields.string("image") {
            do {
                image = try ImageReference(parsing: text)
            } catch {
                throw refuse(imageLine, "image: \(error.reason)")
            }
        }
        return EdgeSettings(domain: domain, tls: tls, httpPort: httpPort, httpsPort: httpsPort, image: image)
    }

    private static func parseTLS(_ fields: YAMLMapping, line: Int?, email: EmailAddress?, file: String,
                                 refuse: (Int?, String) -> ConfigFileError) throws(ConfigFileError) -> TLSMode {
        guard let entry = fields.entries.first(where: { $0.key == "tls" }) else {
            throw refuse(line, "'tls' is missing: acme, internal, or {cert: FILE, key: FILE}")
        }
        if case .scalar(let scalar) = entry.value {
            switch scalar.string {
            case "acme": return .acme(email: email)
            case "internal": return .internalCA
            default:
                throw refuse(entry.line, "tls \(ConfigValue.quoted(scalar.string)) is not valid: use acme, internal, "
                    + "or {cert: FILE, key: FILE}")
            }
        }
        let files = try YAMLMapping(node: entry.value, file: file, what: "edge 'tls'")
        try files.rejectUnknownKeys(allowed: ["cert", "key"], in: "edge 'tls'")
        guard let (cert, _) = try files.string("cert"), let (key, _) = try files.string("key") else {
            throw refuse(entry.line, "tls needs both 'cert' and 'key' (PEM files)")
        }
        // Relative to the hosts file, like a host's `tls:` directory.
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        func resolved(_ path: String) -> String {
            path.hasPrefix("/") ? path : base.appendingPathComponent(path).path
        }
        return .files(certificate: resolved(cert), key: resolved(key))
    }

    private static func port(_ fields: YAMLMapping, _ key: String, default value: Int,
                             refuse: (Int?, String) -> ConfigFileError) throws(ConfigFileError) -> Int {
        guard let (text, line) = try fields.string(key) else { return value }
        guard text.allSatisfy(\.isASCII), let port = Int(text), (1...65535).contains(port) else {
            throw refuse(line, "\(key) \(ConfigValue.quoted(text)) is not valid: it must be a number from 1 to 65535")
        }
        return port
    }
}

/// An e-mail address for the ACME account: one `@`, a local part and a domain of safe characters only.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init?(_ text: String) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64,
              parts[0].unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._+-".unicodeScalars.contains($0)) }),
              (try? EdgeHostname(parsing: String(parts[1]))) != nil
        else { return nil }
        self.text = text
    }

    public var description: String { text }
}
