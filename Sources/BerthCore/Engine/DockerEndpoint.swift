/// Where a Docker daemon listens: a value, so anything that talks to a daemon can be pointed at any daemon.
public struct DockerEndpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Transport: Sendable, Hashable {
        case unix(path: String)
        case tcp(host: String, port: Int)
        case tls(host: String, port: Int, certificates: TLSFiles)
    }

    /// The client certificate, key and the CA that signed the daemon's certificate, as PEM files.
    public struct TLSFiles: Sendable, Hashable {
        public var caPath: String
        public var certPath: String
        public var keyPath: String

        public init(caPath: String, certPath: String, keyPath: String) {
            self.caPath = caPath
            self.certPath = certPath
            self.keyPath = keyPath
        }

        /// The layout of `DOCKER_CERT_PATH`: `ca.pem`, `cert.pem` and `key.pem` in one directory.
        public init(directory: String) {
            let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
            self.init(caPath: base + "/ca.pem", certPath: base + "/cert.pem", keyPath: base + "/key.pem")
        }
    }

    public static let defaultSocketPath = "/var/run/docker.sock"
    public static let defaultPlainPort = 2375
    public static let defaultTLSPort = 2376

    public var transport: Transport

    public init(_ transport: Transport) {
        self.transport = transport
    }

    public static func unix(path: String) -> DockerEndpoint {
        DockerEndpoint(.unix(path: path))
    }

    public static func tcp(host: String, port: Int = defaultPlainPort) -> DockerEndpoint {
        DockerEndpoint(.tcp(host: host, port: port))
    }

    public static func tls(host: String, port: Int = defaultTLSPort, certificates: TLSFiles) -> DockerEndpoint {
        DockerEndpoint(.tls(host: host, port: port, certificates: certificates))
    }

    public static let defaultLocal = DockerEndpoint.unix(path: defaultSocketPath)

    /// Parses the forms `DOCKER_HOST` and `docker -H` accept: `unix:///path`, `/path`, `tcp://host[:port]`,
    /// `http://host[:port]` and `https://host[:port]`.
    ///
    /// With a `tlsDirectory` (holding ca.pem, cert.pem, key.pem), `tcp://` means TLS with client certificates and
    /// the default port is 2376; without, 2375. `https://` always means TLS and needs `tlsDirectory`.
    public init(parsing text: String, tlsDirectory: String? = nil) throws(EngineError) {
        let trimmed = text.trimmingWhitespace()
        func invalid(_ reason: String) -> EngineError {
            .invalidEndpoint(text, reason: reason)
        }
        guard !trimmed.isEmpty else { throw invalid("it is empty") }

        if trimmed.hasPrefix("/") {
            self = .unix(path: trimmed)
            return
        }
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw invalid("expected unix:///path/to/docker.sock, tcp://host:port or https://host:port")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        let rest = String(trimmed[schemeEnd.upperBound...])

        switch scheme {
        case "unix":
            guard rest.hasPrefix("/"), rest.count > 1 else {
                throw invalid("a unix socket address needs an absolute path, as in unix:///var/run/docker.sock")
            }
            self = .unix(path: rest)
        case "tcp", "http", "https":
            let useTLS = scheme == "https" || (scheme == "tcp" && tlsDirectory != nil)
            let (host, port) = try Self.parseHostAndPort(
                rest,
                defaultPort: useTLS ? Self.defaultTLSPort : Self.defaultPlainPort,
                invalid: invalid
            )
            if useTLS {
                guard let tlsDirectory else {
                    throw invalid(
                        "https:// needs a certificate directory holding ca.pem, cert.pem and key.pem (DOCKER_CERT_PATH)"
                    )
                }
                self = .tls(host: host, port: port, certificates: TLSFiles(directory: tlsDirectory))
            } else {
                self = .tcp(host: host, port: port)
            }
        case "ssh":
            throw invalid("ssh:// endpoints are not supported; use a unix socket or tcp:// with TLS")
        case "npipe":
            throw invalid("named pipes (npipe://) exist only on Windows")
        default:
            throw invalid("unknown scheme '\(scheme)'; expected unix://, tcp:// or https://")
        }
    }

    private static func parseHostAndPort(
        _ authorityAndPath: String,
        defaultPort: Int,
        invalid: (String) -> EngineError
    ) throws(EngineError) -> (String, Int) {
        var authority = Substring(authorityAndPath)
        if let slash = authority.firstIndex(of: "/") {
            let path = authority[slash...]
            guard path == "/" else {
                throw invalid("a path ('\(path)') after the host is not supported")
            }
            authority = authority[..<slash]
        }
        guard !authority.isEmpty else { throw invalid("the host is missing") }

        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw invalid("an IPv6 address opened with '[' is not closed with ']'")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let afterBracket = authority[authority.index(after: close)...]
            if !afterBracket.isEmpty {
                guard afterBracket.hasPrefix(":") else { throw invalid("unexpected text after ']'") }
                portText = afterBracket.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw invalid("the host is missing") }
        guard !host.contains(where: { $0 == "@" || $0 == " " || $0 == "?" || $0 == "#" }) else {
            throw invalid("'\(host)' is not a host name or address")
        }
        guard let portText else { return (String(host), defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw invalid("'\(portText)' is not a port number (1-65535)")
        }
        return (String(host), port)
    }

    /// The endpoint the docker CLI would use: `DOCKER_HOST` (default the local socket), with TLS and client
    /// certificates from `DOCKER_CERT_PATH` (default `~/.docker`) when `DOCKER_TLS_VERIFY` is set to a non-empty
    /// value other than `0`.
    public static func fromEnvironment(_ environment: [String: String]) throws(EngineError) -> DockerEndpoint {
        let host = environment["DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 }
        let verify = environment["DOCKER_TLS_VERIFY"].map { !$0.isEmpty && $0 != "0" } ?? false
        var tlsDirectory: String?
        if verify {
            if let certPath = environment["DOCKER_CERT_PATH"], !certPath.isEmpty {
                tlsDirectory = certPath
            } else {
                let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "~"
                tlsDirectory = home + "/.docker"
            }
        }
        guard let host else { return .defaultLocal }
        return try DockerEndpoint(parsing: host, tlsDirectory: tlsDirectory)
    }

    /// True when the daemon is on this machine: a unix socket, `localhost` or a loopback address.
    public var isLoopback: Bool {
        switch transport {
        case .unix:
            return true
        case .tcp(let host, _), .tls(let host, _, _):
            let lowered = host.lowercased()
            if lowered == "localhost" || lowered.hasSuffix(".localhost") || lowered == "::1" {
                return true
            }
            let octets = lowered.split(separator: ".", omittingEmptySubsequences: false)
            return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
        }
    }

    /// The endpoint as `DOCKER_HOST` would name it: `unix://PATH` or `tcp://HOST:PORT`, TLS or not.
    public var url: String {
        switch transport {
        case .unix(let path): "unix://\(path)"
        case .tcp(let host, let port), .tls(let host, let port, _): "tcp://\(Self.bracketed(host)):\(port)"
        }
    }

    public var usesTLS: Bool {
        if case .tls = transport { return true }
        return false
    }

    /// For people: the URL, and ` (TLS)` when the engine is reached over TLS.
    public var description: String {
        usesTLS ? url + " (TLS)" : url
    }

    static func bracketed(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
