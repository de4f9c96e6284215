import Foundation
import Yams

/// `berth serve --config serve.yml`: where the server listens, its database, the hosts it publishes to, its
/// registry and TLS files, and the default quotas. A mistake is a `ConfigFileError` naming the key and its line.
public struct ServeConfig: Sendable {
    public var listenHost = "127.0.0.1"
    public var listenPort = 8443
    public var database: String
    /// The hosts inventory; nil takes berth's usual search (`BERTH_HOSTS`, `./hosts.yml`, `DOCKER_HOST`).
    public var hosts: String?
    public var registry: String?
    public var registryUser: String?
    public var registryPassword: String?
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var quotas = Quotas.standard
    /// Seconds an upload may go without sending a byte before it is refused.
    public var uploadTimeout = 30
    /// Where uploads are unpacked, each in a private directory removed when its publish ends.
    public var uploadDirectory: String

    static let keys = ["listen", "database", "hosts", "registry", "tls", "quotas", "upload_timeout", "upload_directory"]

    public static func load(path: String) throws -> ServeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigFileError(file: path, line: nil, message: "cannot read the server's config; check the path")
        }
        return try ServeConfig(yaml: String(decoding: data, as: UTF8.self), file: path)
    }

    public init(yaml text: String, file: String) throws(ConfigFileError) {
        guard let mapping = try YAMLMapping.parse(text, file: file) else {
            throw ConfigFileError(file: file, line: nil, message: "the file is empty; it needs at least 'database:'")
        }
        try mapping.rejectUnknownKeys(allowed: Self.keys, in: "the server's config")
        let directory = ParentDirectory.of(file)
        func path(_ value: String) -> String {
            value.hasPrefix("/") || directory.isEmpty ? value : directory + "/" + value
        }
        guard let (database, _) = try mapping.string("database") else {
            throw ConfigFileError(file: file, line: nil, message: "'database' is missing: name the SQLite file, e.g. database: /var/lib/berth/serve.db")
        }
        self.database = path(database)
        uploadDirectory = ParentDirectory.of(self.database).isEmpty ? "uploads" : ParentDirectory.of(self.database) + "/uploads"
        if let (listen, line) = try mapping.string("listen") {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
                  (0...65535).contains(port), colon > listen.startIndex
            else {
                throw ConfigFileError(file: file, line: line, message: "listen \(ConfigValue.quoted(listen)) is not valid: give ADDRESS:PORT, e.g. 127.0.0.1:8443")
            }
            listenHost = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            listenPort = port
        }
        hosts = try mapping.string("hosts").map { path($0.value) }
        if let entry = mapping.entries.first(where: { $0.key == "registry" }) {
            if case .scalar(let scalar) = entry.value {
                registry = scalar.string
            } else {
                let nested = try YAMLMapping(node: entry.value, file: file, what: "'registry'")
                try nested.rejectUnknownKeys(allowed: ["address", "user", "password"], in: "'registry'")
                registry = try nested.string("address")?.value
                registryUser = try nested.string("user")?.value
                registryPassword = try nested.string("password")?.value
            }
        }
        if let entry = mapping.entries.first(where: { $0.key == "tls" }) {
            let nested = try YAMLMapping(node: entry.value, file: file, what: "'tls'")
            try nested.rejectUnknownKeys(allowed: ["cert", "key"], in: "'tls'")
            guard let cert = try nested.string("cert"), let key = try nested.string("key") else {
                throw ConfigFileError(file: file, line: entry.line, message: "'tls' needs both 'cert' and 'key' (PEM files)")
            }
            tlsCertificate = path(cert.value)
            tlsKey = path(key.value)
        }
        if let entry = mapping.entries.first(where: { $0.key == "quotas" }) {
            let nested = try YAMLMapping(node: entry.value, file: file, what: "'quotas'")
            try nested.rejectUnknownKeys(allowed: Quotas.keys.map(\.name), in: "'quotas'")
            for key in Quotas.keys {
                guard let (text, line) = try nested.string(key.name) else { continue }
                do {
                    quotas[keyPath: key.path] = try Self.quotaValue(text, isSize: key.isSize)
                } catch {
                    throw ConfigFileError(file: file, line: line, message: "\(key.name) \(ConfigValue.quoted(text)) is not valid: \(error.reason)")
                }
            }
        }
        if let (text, line) = try mapping.string("upload_timeout") {
            guard let seconds = Int(text), (1...3600).contains(seconds) else {
                throw ConfigFileError(file: file, line: line, message: "upload_timeout \(ConfigValue.quoted(text)) is not valid: give seconds from 1 to 3600")
            }
            uploadTimeout = seconds
        }
        if let (text, _) = try mapping.string("upload_directory") { uploadDirectory = path(text) }
        // Tokens travel in every request: in clear text only over loopback, behind the edge.
        if tlsCertificate == nil, !Self.isLoopback(listenHost) {
            throw ConfigFileError(file: file, line: try mapping.string("listen")?.line,
                                  message: "listen \(ConfigValue.quoted(listenHost + ":" + String(listenPort))) is not "
                                    + "loopback, and without 'tls' the tokens would cross the network in clear text: "
                                    + "add tls: {cert: FILE, key: FILE}, or listen on 127.0.0.1 behind the edge")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// A count, a size such as `64m`, or `unlimited`.
    public static func quotaValue(_ text: String, isSize: Bool) throws(QuotaValueError) -> Int64? {
        if text == "unlimited" { return nil }
        if isSize {
            let lowered = text.lowercased()
            let digits = lowered.prefix { $0.isASCII && $0.isNumber }
            let multipliers: [String: Int64] = ["": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
            guard !digits.isEmpty, let number = Int64(digits), let multiplier = multipliers[String(lowered.dropFirst(digits.count))],
                  number <= Int64.max / multiplier
            else {
                throw QuotaValueError(reason: "give a size such as 512k, 64m or 1g, or unlimited")
            }
            return number * multiplier
        }
        guard let number = Int64(text), number >= 0 else {
            throw QuotaValueError(reason: "give a whole number (0 or more), or unlimited")
        }
        return number
    }

    /// The environment the server's publishes run with: its own registry credentials, never a client's.
    public func publishEnvironment(_ base: [String: String]) -> [String: String] {
        var environment = base
        environment["BERTH_REGISTRY"] = registry
        environment["BERTH_REGISTRY_USER"] = registryUser ?? base["BERTH_REGISTRY_USER"]
        environment["BERTH_REGISTRY_PASSWORD"] = registryPassword ?? base["BERTH_REGISTRY_PASSWORD"]
        return environment
    }
}

public struct QuotaValueError: Error, Sendable {
    public var reason: String
}
