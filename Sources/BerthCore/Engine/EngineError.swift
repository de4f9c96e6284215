/// What went wrong talking to a Docker daemon, phrased so a person knows what to do next.
public enum EngineError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The endpoint text could not be understood.
    case invalidEndpoint(String, reason: String)
    /// No connection: the socket is absent, the port refused, nothing answered in time, or permission denied.
    case unreachable(DockerEndpoint, reason: String)
    /// The TLS handshake failed: unknown CA, missing or rejected client certificate, host name mismatch, bad files.
    case tls(DockerEndpoint, reason: String)
    /// The daemon did not answer in time.
    case timeout(operation: String, seconds: Int)
    /// The daemon's API is older than the oldest berth speaks.
    case unsupportedAPIVersion(daemon: String, minimum: String)
    /// The daemon answered with an error status; `message` is the daemon's own.
    case api(operation: String, status: Int, message: String)
    /// The daemon has no such object; the text names it, as in "image site:1" or "container blog".
    case notFound(String)
    /// HTTP 409 from the daemon, e.g. a container name already in use or an image used by a container.
    case conflict(String)
    /// The daemon reported a failure inside a 200 response stream (build, push, pull).
    case inBand(operation: String, message: String)
    /// The connection broke while a response was being read.
    case connectionLost(operation: String, reason: String)
    /// The daemon answered with something berth cannot read.
    case invalidResponse(operation: String, reason: String)
    /// What answers at the endpoint is not a Docker engine: it does not speak HTTP, answers a ping without the
    /// engine's headers, or accepts the connection and never answers.
    case notAnEngine(DockerEndpoint, reason: String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let text, let reason):
            return "'\(text)' is not a Docker endpoint: \(reason)."
        case .unreachable(let endpoint, let reason):
            return """
                Cannot reach the Docker daemon at \(endpoint): \(reason). \
                \(Self.unreachableAdvice(for: endpoint))
                """
        case .tls(let endpoint, let reason):
            var certificates = ""
            if case .tls(_, _, let files) = endpoint.transport {
                certificates = " (CA \(files.caPath), certificate \(files.certPath), key \(files.keyPath))"
            }
            return """
                TLS with the Docker daemon at \(endpoint) failed: \(reason). \
                Check DOCKER_CERT_PATH and the certificates\(certificates).
                """
        case .timeout(let operation, let seconds):
            return "The Docker daemon did not answer within \(seconds) s while trying to \(operation)."
        case .unsupportedAPIVersion(let daemon, let minimum):
            return """
                The Docker daemon speaks API \(daemon); berth needs at least \(minimum) (Docker 20.10 or newer). \
                Upgrade Docker on that host.
                """
        case .api(let operation, let status, let message):
            return "Docker could not \(operation) (HTTP \(status)): \(message)"
        case .notFound(let what):
            return "Docker has no \(what)."
        case .conflict(let message):
            return "Docker refused because of a conflict: \(message)"
        case .inBand(let operation, let message):
            return "Could not \(operation): \(message)"
        case .connectionLost(let operation, let reason):
            return "The connection to the Docker daemon broke while trying to \(operation): \(reason)."
        case .invalidResponse(let operation, let reason):
            return "The Docker daemon gave an answer berth cannot read while trying to \(operation): \(reason)."
        case .notAnEngine(let endpoint, let reason):
            return """
                What answers at \(endpoint) does not answer like a Docker engine (is this a Docker engine?): \
                \(reason). Check DOCKER_HOST or the 'docker:' endpoint in the hosts file.
                """
        }
    }

    private static func unreachableAdvice(for endpoint: DockerEndpoint) -> String {
        switch endpoint.transport {
        case .unix(let path) where path == DockerEndpoint.defaultSocketPath:
            return """
                Start Docker (`sudo systemctl start docker`, or `sudo dockerd &` without systemd), \
                or set DOCKER_HOST to a daemon that is running.
                """
        case .unix:
            return "Check that a Docker daemon listens on that socket, or set DOCKER_HOST to one that does."
        case .tcp, .tls:
            return """
                Check that Docker runs on that host and listens on that port (dockerd -H), \
                that no firewall blocks it, and that DOCKER_HOST or the inventory names the right address.
                """
        }
    }
}
