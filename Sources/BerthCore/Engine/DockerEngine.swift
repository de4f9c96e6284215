import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL

/// A Docker daemon reached over its HTTP API at one endpoint.
///
/// The API version is negotiated on first use (`GET /_ping`) and kept: the lower of the daemon's newest and
/// `EngineAPIVersion.newestSupported`; daemons older than `EngineAPIVersion.oldestSupported` are refused.
public final class DockerEngine: Sendable {
    public let endpoint: DockerEndpoint
    let client: HTTPClient
    let logger: Logger
    /// How long an ordinary request (inspect, create, list…) may take, answer included.
    let requestTimeout: Duration
    /// How long a ping may take. A ping is the first request to every engine and costs the daemon nothing, so a
    /// peer that has not answered one in this time (a port that accepts and stays silent) is not waited for.
    let pingTimeout: Duration
    private let tlsConfiguration: Result<TLSConfiguration?, EngineError>
    private let negotiation = APIVersionCache()

    /// How many connections the shared client may hold open to one engine at once. Each followed stats or log
    /// stream holds one for as long as it is read, and `stats --once` / `sites` ask every site at the same time,
    /// so this must exceed the number of sites a host carries (about 500 at 64 MiB on a 32 GiB host); requests
    /// beyond it wait for a connection and fail after the connect timeout.
    public static let maximumConnectionsPerEngine = 1024

    /// An HTTP client set up for Docker daemons, shared by every engine that is given none: it connects within
    /// 5 seconds or fails, tries each connection once (so a refused port fails at once), never follows redirects,
    /// has no idle read timeout (a build or push can be silent for minutes), and may open up to
    /// `maximumConnectionsPerEngine` connections to each engine. It lives as long as the process.
    public static let sharedHTTPClient: HTTPClient = {
        // Every connection is a file descriptor: make room for them under a low default limit (1024).
        OpenFileLimit.raise(toAtLeast: maximumConnectionsPerEngine * 2)
        var configuration = HTTPClient.Configuration()
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5), read: nil)
        configuration.connectionPool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maximumConnectionsPerEngine)
        configuration.redirectConfiguration = .disallow
        configuration.httpVersion = .http1Only
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// - Parameters:
    ///   - httpClient: the client to send requests with; by default `sharedHTTPClient`. Whoever passes one shuts
    ///     it down. Its configuration should have no read timeout, or builds and pushes will be cut off.
    ///   - requestTimeout: the limit for ordinary requests; builds, pushes, pulls, followed logs and stats
    ///     streams have none.
    ///   - pingTimeout: the limit for a ping, which negotiates the API version before any other request.
    public init(
        endpoint: DockerEndpoint,
        httpClient: HTTPClient? = nil,
        requestTimeout: Duration = .seconds(60),
        pingTimeout: Duration = DockerEngine.defaultPingTimeout,
        logger: Logger = Logger(label: "berth.engine")
    ) {
        self.endpoint = endpoint
        self.client = httpClient ?? Self.sharedHTTPClient
        self.requestTimeout = requestTimeout
        self.pingTimeout = min(pingTimeout, requestTimeout)
        self.logger = logger
        self.tlsConfiguration = Self.makeTLSConfiguration(for: endpoint)
    }

    public static let defaultPingTimeout: Duration = .seconds(5)

    // MARK: System

    /// Asks the daemon which API it speaks (unversioned `GET /_ping`) and records the version berth will use.
    /// A peer that is no Docker engine (silent, not HTTP, or HTTP without the engine's `Api-Version` header) fails
    /// with `EngineError.notAnEngine` within `pingTimeout`.
    @discardableResult
    public func ping() async throws -> EnginePing {
        let operation = "answer a ping"
        let request = EngineRequest(method: .GET, path: "/_ping", versioned: false)
        let limit = pingTimeout
        let ping: EnginePing
        do {
            ping = try await pingOnce(request, operation: operation, limit: limit)
        } catch EngineError.timeout {
            let seconds = Int(limit.components.seconds)
            throw EngineError.notAnEngine(
                endpoint, reason: "it took the connection but did not answer a ping within \(seconds) s")
        }
        await negotiation.record(ping.negotiatedAPIVersion)
        logger.debug(
            "negotiated Docker API version",
            metadata: [
                "endpoint": "\(endpoint)", "daemon": "\(ping.daemonAPIVersion)",
                "using": "\(ping.negotiatedAPIVersion)",
            ]
        )
        return ping
    }

    private func pingOnce(_ request: EngineRequest, operation: String, limit: Duration) async throws -> EnginePing {
        try await withTimeout(limit, operation: operation) {
            let response = try await self.execute(request, operation: operation, headTimeout: limit)
            guard let header = response.headers.first(name: "Api-Version") else {
                let status = response.status
                throw EngineError.notAnEngine(
                    self.endpoint, reason: "it answered a ping with HTTP \(status.code) \(status.reasonPhrase), "
                        + "without the Api-Version header every Docker engine sends")
            }
            try await self.expectSuccess(response, operation: operation)
            _ = try await self.collectBody(response, operation: operation, limit: 64 * 1024)
            guard let daemonVersion = EngineAPIVersion(header) else {
                throw EngineError.invalidResponse(operation: operation, reason: "API version '\(header)' is not N.N")
            }
            guard let negotiated = EngineAPIVersion.negotiated(withDaemon: daemonVersion) else {
                throw EngineError.unsupportedAPIVersion(
                    daemon: daemonVersion.description,
                    minimum: EngineAPIVersion.oldestSupported.description
                )
            }
            return EnginePing(
                daemonAPIVersion: daemonVersion,
                negotiatedAPIVersion: negotiated,
                osType: response.headers.first(name: "OSType")
            )
        }
    }

    /// The API version in use with this daemon, negotiating it first if needed.
    public func apiVersion() async throws -> EngineAPIVersion {
        if let version = await negotiation.version { return version }
        return try await ping().negotiatedAPIVersion
    }

    public func version() async throws -> EngineVersion {
        try await getJSON(EngineVersion.self, path: "/version", operation: "report its version")
    }

    public func info() async throws -> EngineInfo {
        try await getJSON(EngineInfo.self, path: "/info", operation: "describe itself")
    }

    // MARK: Requests

    struct EngineRequest: Sendable {
        var method: HTTPMethod
        var path: String
        var query = EngineQuery()
        var headers: [(String, String)] = []
        var body: HTTPClientRequest.Body?
        var versioned = true

        init(method: HTTPMethod, path: String, query: EngineQuery = EngineQuery(), versioned: Bool = true) {
            self.method = method
            self.path = path
            self.query = query
            self.versioned = versioned
        }

        mutating func setJSONBody<Body: Encodable>(_ value: Body) throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            body = .bytes(ByteBuffer(data: try encoder.encode(value)))
            headers.append(("Content-Type", "application/json"))
        }
    }

    /// The request URL: the socket path travels in the host part of an `http+unix` URL.
    func url(for request: EngineRequest, apiVersion: EngineAPIVersion?) throws -> String {
        var uri = apiVersion.map { "/v\($0)" } ?? ""
        uri += request.path
        let query = request.query.encoded
        if !query.isEmpty { uri += "?" + query }
        switch endpoint.transport {
        case .unix(let path):
            guard let url = URL(httpURLWithSocketPath: path, uri: uri) else {
                throw EngineError.invalidEndpoint(endpoint.description, reason: "cannot make a URL of the socket path")
            }
            return url.absoluteString
        case .tcp(let host, let port):
            return "http://\(DockerEndpoint.bracketed(host)):\(port)\(uri)"
        case .tls(let host, let port, _):
            return "https://\(DockerEndpoint.bracketed(host)):\(port)\(uri)"
        }
    }

    /// Sends a request and returns once the response head has arrived; the body is still to be read.
    /// `headTimeout` bounds the wait for the head (nil: no limit, for builds and pushes).
    func execute(
        _ request: EngineRequest,
        operation: String,
        headTimeout: Duration?
    ) async throws -> HTTPClientResponse {
        let apiVersion = request.versioned ? try await self.apiVersion() : nil
        var httpRequest = HTTPClientRequest(url: try url(for: request, apiVersion: apiVersion))
        httpRequest.method = request.method
        httpRequest.headers.add(name: "User-Agent", value: "berth")
        if case .unix = endpoint.transport {
            // The daemon rejects requests without a Host header; over a unix socket the client sends none.
            httpRequest.headers.replaceOrAdd(name: "Host", value: "localhost")
        }
        for (name, value) in request.headers {
            httpRequest.headers.add(name: name, value: value)
        }
        httpRequest.body = request.body
        httpRequest.tlsConfiguration = try tlsConfiguration.get()

        let deadline: NIODeadline = headTimeout.map { .now() + TimeAmount($0) } ?? .distantFuture
        logger.debug(
            "docker request",
            metadata: ["method": "\(request.method)", "path": "\(request.path)", "endpoint": "\(endpoint)"]
        )
        do {
            let sent = ContinuousClock.now
            let response = try await client.execute(httpRequest, deadline: deadline, logger: logger)
            // With the request's line, what `--log-file` shows of where a command's time goes.
            let waited = (ContinuousClock.now - sent).components
            logger.debug(
                "docker answer",
                metadata: ["method": "\(request.method)", "path": "\(request.path)", "status": "\(response.status.code)",
                           "ms to its head": "\(waited.seconds * 1000 + waited.attoseconds / 1_000_000_000_000_000)"]
            )
            return response
        } catch let error as HTTPParserError {
            // Before any answer came: what listens there does not speak HTTP at all.
            throw EngineError.notAnEngine(endpoint, reason: "its answer is not HTTP (\(error))")
        } catch {
            throw engineError(for: error, operation: operation, timeout: headTimeout)
        }
    }

    /// Throws the daemon's own error message unless the status is 2xx (or one of `alsoAccepted`).
    func expectSuccess(
        _ response: HTTPClientResponse,
        operation: String,
        notFound: String? = nil,
        alsoAccepted: Set<UInt> = []
    ) async throws {
        let code = response.status.code
        if (200..<300).contains(code) || alsoAccepted.contains(code) { return }
        let body = try? await collectBody(response, operation: operation, limit: 1024 * 1024)
        let message = body.map(Self.daemonMessage(in:)) ?? response.status.reasonPhrase
        switch code {
        case 404 where notFound != nil:
            logger.debug("docker: not found", metadata: ["message": "\(message)"])
            throw EngineError.notFound(notFound ?? message)
        case 409:
            throw EngineError.conflict(message)
        default:
            throw EngineError.api(operation: operation, status: Int(code), message: message)
        }
    }

    /// The `message` field of the daemon's error body, or the body itself when it is not that JSON.
    static func daemonMessage(in body: ByteBuffer) -> String {
        struct DaemonError: Decodable {
            var message: String
        }
        if let error = try? JSONDecoder().decode(DaemonError.self, from: body) {
            return error.message.trimmingWhitespace()
        }
        let text = String(buffer: body).trimmingWhitespace()
        return text.isEmpty ? "(no message)" : String(text.prefix(2000))
    }

    func collectBody(_ response: HTTPClientResponse, operation: String, limit: Int) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: limit)
        } catch {
            throw engineError(for: error, operation: operation, timeout: nil)
        }
    }

    /// Sends a request, checks its status and decodes its JSON body, all within `requestTimeout`.
    func sendForJSON<Value: Decodable & Sendable>(
        _ request: EngineRequest,
        as type: Value.Type,
        operation: String,
        notFound: String? = nil
    ) async throws -> Value {
        try await withTimeout(requestTimeout, operation: operation) {
            let response = try await self.execute(request, operation: operation, headTimeout: self.requestTimeout)
            try await self.expectSuccess(response, operation: operation, notFound: notFound)
            let body = try await self.collectBody(response, operation: operation, limit: 64 * 1024 * 1024)
            do {
                return try JSONDecoder().decode(Value.self, from: body)
            } catch {
                throw EngineError.invalidResponse(operation: operation, reason: "\(error)")
            }
        }
    }

    func getJSON<Value: Decodable & Sendable>(
        _ type: Value.Type,
        path: String,
        query: EngineQuery = EngineQuery(),
        operation: String,
        notFound: String? = nil
    ) async throws -> Value {
        try await sendForJSON(
            EngineRequest(method: .GET, path: path, query: query),
            as: type,
            operation: operation,
            notFound: notFound
        )
    }

    /// `GET` of one thing's details (`/containers/ID/json`, …), or nil when the daemon has no such thing.
    func inspect<Value: Decodable & Sendable>(_ type: Value.Type, path: String, what: String) async throws -> Value? {
        do {
            return try await getJSON(type, path: path, operation: "inspect the \(what)", notFound: what)
        } catch EngineError.notFound {
            return nil
        }
    }

    /// Sends a request whose answer carries nothing berth needs, checks its status and drains the body.
    func send(
        _ request: EngineRequest,
        operation: String,
        notFound: String? = nil,
        alsoAccepted: Set<UInt> = [],
        timeout: Duration? = nil
    ) async throws {
        let limit = timeout ?? requestTimeout
        try await withTimeout(limit, operation: operation) {
            let response = try await self.execute(request, operation: operation, headTimeout: limit)
            try await self.expectSuccess(response, operation: operation, notFound: notFound, alsoAccepted: alsoAccepted)
            _ = try await self.collectBody(response, operation: operation, limit: 64 * 1024 * 1024)
        }
    }

    /// Runs `body` and fails with `EngineError.timeout` if it has not finished within `limit`.
    func withTimeout<Value: Sendable>(
        _ limit: Duration,
        operation: String,
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: TimedOutcome<Value>.self) { group in
            group.addTask { .finished(try await body()) }
            group.addTask {
                try await Task.sleep(for: limit)
                return .timedOut
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            switch first {
            case .finished(let value):
                return value
            case .timedOut:
                throw EngineError.timeout(operation: "\(operation) at \(self.endpoint)", seconds: Int(limit.components.seconds))
            }
        }
    }

    /// Runs `produce` in a task that feeds the returned stream; ending or dropping the stream cancels the task,
    /// and with it the request.
    func makeStream<Event: Sendable>(
        operation: String,
        _ produce: @escaping @Sendable (AsyncThrowingStream<Event, Error>.Continuation) async throws -> Void
    ) -> AsyncThrowingStream<Event, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await produce(continuation)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: self.engineError(for: error, operation: operation, timeout: nil))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: TLS

    static func makeTLSConfiguration(for endpoint: DockerEndpoint) -> Result<TLSConfiguration?, EngineError> {
        guard case .tls(_, _, let files) = endpoint.transport else { return .success(nil) }
        func load<T>(_ what: String, at path: String, _ make: () throws -> T) -> Result<T, EngineError> {
            guard FileManager.default.isReadableFile(atPath: path) else {
                return .failure(.tls(endpoint, reason: "the \(what) \(path) does not exist or cannot be read"))
            }
            do {
                return .success(try make())
            } catch {
                return .failure(
                    .tls(endpoint, reason: "the \(what) \(path) is not a PEM file berth can read (\(error))"))
            }
        }
        return load("CA certificate", at: files.caPath) { try NIOSSLCertificate.fromPEMFile(files.caPath) }
            .flatMap { authorities in
                load("client certificate", at: files.certPath) { try NIOSSLCertificate.fromPEMFile(files.certPath) }
                    .map { (authorities, $0) }
            }
            .flatMap { authorities, chain in
                load("client key", at: files.keyPath) { try NIOSSLPrivateKey(file: files.keyPath, format: .pem) }
                    .map { key in
                        var configuration = TLSConfiguration.makeClientConfiguration()
                        configuration.trustRoots = .certificates(authorities)
                        configuration.certificateChain = chain.map { .certificate($0) }
                        configuration.privateKey = .privateKey(key)
                        return configuration
                    }
            }
    }
}

enum TimedOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    case timedOut
}

/// The negotiated API version, once known.
actor APIVersionCache {
    private(set) var version: EngineAPIVersion?

    func record(_ version: EngineAPIVersion) {
        self.version = version
    }
}
