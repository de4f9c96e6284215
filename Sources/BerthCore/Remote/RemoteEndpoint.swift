import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `berth serve` to act through, and the token to act with.
public struct RemoteEndpoint: Sendable, Equatable, Codable {
    public var url: String
    public var token: String
    /// A CA certificate (PEM) trusted for this server besides the system's store (`BERTH_CA`; see `ServerTrust`).
    public var caFile: String?

    public init(url: String, token: String, caFile: String? = nil) throws(BerthProblem) {
        self.url = try Self.normalized(url)
        self.token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        self.caFile = caFile
        guard !self.token.isEmpty else { throw BerthProblem(.usage, "the token is empty") }
    }

    /// `http://` or `https://`, a host and an optional port; no path, query or user part.
    public static func normalized(_ text: String) throws(BerthProblem) -> String {
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme),
              let host = parsed.host, !host.isEmpty, parsed.path.isEmpty, parsed.query == nil, parsed.user == nil
        else {
            throw BerthProblem(.usage, "'\(text)' is not a server URL: give http(s)://HOST[:PORT], e.g. https://berth.example.com")
        }
        return url
    }

    /// The remote chosen for this command: `--remote NAME|URL`, else `BERTH_REMOTE` (a URL with `BERTH_TOKEN`, or a
    /// name), else the default of the logins `berth login` stored; nil means the engines are used directly.
    /// A URL takes `BERTH_TOKEN`, else the token of the one stored remote with that URL.
    public static func selected(option: String?, environment: [String: String]) throws -> RemoteEndpoint? {
        guard var endpoint = try chosen(option: option, environment: environment) else { return nil }
        if let caFile = try ServerTrust.caFile(environment: environment) { endpoint.caFile = caFile }
        return endpoint
    }

    private static func chosen(option: String?, environment: [String: String]) throws -> RemoteEndpoint? {
        let logins = try RemoteLoginFile(environment: environment).read()
        guard let choice = option ?? environment["BERTH_REMOTE"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            return logins.defaultRemote
        }
        guard choice.contains("://") else { return try logins.remote(named: choice) }
        let normalized = try normalized(choice)
        if let token = environment["BERTH_TOKEN"], !token.isEmpty {
            return try RemoteEndpoint(url: normalized, token: token)
        }
        let stored = logins.remotes.filter { $0.value.url == normalized }.sorted { $0.key < $1.key }
        if stored.count > 1 {
            throw BerthProblem(.usage, "several logins are for \(normalized) ("
                + stored.map(\.key).joined(separator: ", ") + "): choose one with --remote NAME")
        }
        if let only = stored.first { return only.value }
        throw BerthProblem(.usage, "no token for \(normalized): set BERTH_TOKEN, or run `berth login \(normalized)`")
    }
}

/// Where `berth login` keeps the servers and tokens: `$XDG_CONFIG_HOME/berth/remote.json` (else
/// `~/.config/berth/remote.json`), readable by its owner only.
public struct RemoteLoginFile: Sendable {
    public let path: String

    public init(environment: [String: String]) {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        path = base + "/berth/remote.json"
    }

    /// The stored logins; none when there is no file. A file of a berth before named remotes (one server) is
    /// read as that server under its host's name, the default.
    public func read() throws -> RemoteLogins {
        guard let data = FileManager.default.contents(atPath: path) else { return RemoteLogins() }
        if let logins = try? JSONDecoder().decode(RemoteLogins.self, from: data) { return logins }
        do {
            let single = try JSONDecoder().decode(RemoteEndpoint.self, from: data)
            var logins = RemoteLogins()
            logins.add(single, name: RemoteLogins.defaultName(for: single.url))
            return logins
        } catch {
            throw BerthProblem(.usage, "\(path) is not a login berth wrote (\(error)); run `berth logout --all` and log in again")
        }
    }

    public func write(_ logins: RemoteLogins) throws {
        let directory = ParentDirectory.of(path)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let data = try BerthJSON.encode(logins)
        // Created 0600 before the token is written, so it is never readable by others, not even for a moment.
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw BerthProblem(.failed, "cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == data.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw BerthProblem(.failed, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// True when there were logins to remove.
    public func remove() -> Bool {
        unlink(path) == 0
    }
}
