import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A registry spoken to directly over the Registry HTTP API v2, for what the engine cannot ask it: whether it
/// wants credentials, which tags a repository has and what they name, and deleting manifests.
///
/// Plain HTTP for a registry on a loopback address (as engines treat them as insecure), HTTPS otherwise.
/// Credentials are sent as HTTP Basic, or traded for a token when the registry's challenge is `Bearer`.
public struct RegistryClient: Sendable {
    /// `HOST[:PORT]`, as in image references.
    public let registry: String
    public let credentials: RegistryCredentials?
    let client: HTTPClient
    let timeout: TimeAmount

    /// Short timeouts: these requests are small, and a registry that does not answer must not hold a publish up.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(30))
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The manifest types berth's engines push, for `Accept`: without them a registry answers with an old schema
    /// whose digest is not the one to delete.
    static let manifestTypes = [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json",
    ]

    public init(registry: String, credentials: RegistryCredentials?, httpClient: HTTPClient? = nil,
                timeout: Duration = .seconds(30)) {
        self.registry = registry
        self.credentials = credentials
        self.client = httpClient ?? Self.sharedHTTPClient
        self.timeout = TimeAmount(timeout)
    }

    var baseURL: String {
        let host = registry.split(separator: "/").first.map(String.init) ?? registry
        let name = host.hasPrefix("[") ? String(host.dropFirst().prefix { $0 != "]" })
            : String(host.prefix { $0 != ":" })
        let loopback = name == "localhost" || name.hasPrefix("127.") || name == "::1"
        return (loopback ? "http://" : "https://") + host
    }

    // MARK: What the registry asks for

    /// What `GET /v2/` answers without credentials: nil when the registry lets anyone in, its challenge when it
    /// answers 401. Throws `RegistryError.unreachable` when it cannot be asked.
    public func challengeWithoutCredentials() async throws(RegistryError) -> RegistryChallenge? {
        let response = try await send(.GET, path: "/v2/", authorization: nil, operation: "answer GET /v2/")
        guard response.status == .unauthorized else { return nil }
        return response.headers.first(name: "WWW-Authenticate").flatMap(RegistryChallenge.init(header:))
            ?? RegistryChallenge(scheme: .basic)
    }

    /// Throws `RegistryError.credentialsNeeded` when the registry answers `GET /v2/` with 401: berth has no
    /// credentials for it, and a push would be refused. A registry berth cannot reach from here passes: the
    /// engines may still reach it under that name, and the push says so if not.
    public func checkOpenToAnonymous(logger: Logger) async throws(RegistryError) {
        let challenge: RegistryChallenge?
        do {
            challenge = try await challengeWithoutCredentials()
        } catch {
            guard case .unreachable(_, _, let reason) = error else { throw error }
            logger.info("cannot ask the registry whether it wants credentials",
                        metadata: ["registry": "\(registry)", "reason": "\(reason)"])
            return
        }
        guard let challenge else { return }
        logger.debug("the registry wants credentials",
                     metadata: ["registry": "\(registry)", "scheme": "\(challenge.scheme.rawValue)"])
        throw .credentialsNeeded(registry: registry)
    }

    // MARK: Repositories

    /// The tags of `repository` (`USER/SITE`); empty when the registry has no such repository.
    public func tags(of repository: String) async throws(RegistryError) -> [String] {
        struct TagList: Decodable { var tags: [String]? }
        let response = try await sendAuthorized(.GET, path: "/v2/\(repository)/tags/list", repository: repository,
                                                actions: "pull", operation: "list the tags of \(repository)")
        if response.status == .notFound { return [] }
        try expect(response, [.ok], operation: "list the tags of \(repository)")
        return (try? JSONDecoder().decode(TagList.self, from: response.body))?.tags ?? []
    }

    /// The digest of the manifest `reference` (a tag) names, or nil when there is none.
    public func manifestDigest(_ repository: String, reference: String) async throws(RegistryError) -> String? {
        let operation = "find the manifest of \(repository):\(reference)"
        let response = try await sendAuthorized(.HEAD, path: "/v2/\(repository)/manifests/\(reference)",
                                                headers: [("Accept", Self.manifestTypes.joined(separator: ", "))],
                                                repository: repository, actions: "pull", operation: operation)
        if response.status == .notFound { return nil }
        try expect(response, [.ok], operation: operation)
        guard let digest = response.headers.first(name: "Docker-Content-Digest") else {
            throw .unexpected(registry: registry, operation: operation, status: 200,
                              message: "the answer has no Docker-Content-Digest header")
        }
        return digest
    }

    /// The labels of the image `repository:tag` names (from its configuration), or nil when the tag names nothing.
    public func imageLabels(_ repository: String, tag: String) async throws(RegistryError) -> [String: String]? {
        struct Manifest: Decodable {
            struct Descriptor: Decodable {
                var digest: String
                var platform: Platform?
            }
            struct Platform: Decodable { var os: String? }
            var config: Descriptor?
            var manifests: [Descriptor]?
        }
        struct ImageConfig: Decodable {
            struct Config: Decodable { var Labels: [String: String]? }
            var config: Config?
        }
        let operation = "read the image \(repository):\(tag)"
        var reference = tag
        for _ in 0..<2 {
            let response = try await sendAuthorized(
                .GET, path: "/v2/\(repository)/manifests/\(reference)",
                headers: [("Accept", Self.manifestTypes.joined(separator: ", "))],
                repository: repository, actions: "pull", operation: operation)
            if response.status == .notFound { return nil }
            try expect(response, [.ok], operation: operation)
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: response.body) else { return nil }
            if let config = manifest.config {
                let blob = try await sendAuthorized(.GET, path: "/v2/\(repository)/blobs/\(config.digest)",
                                                    repository: repository, actions: "pull", operation: operation)
                try expect(blob, [.ok], operation: operation)
                return (try? JSONDecoder().decode(ImageConfig.self, from: blob.body))?.config?.Labels ?? [:]
            }
            // An index: the image is its first manifest for a real platform.
            guard let image = manifest.manifests?.first(where: { $0.platform?.os != "unknown" }) else { return nil }
            reference = image.digest
        }
        return nil
    }

    /// Deletes the manifest `digest` from `repository`, and with it every tag that names it. A manifest already
    /// gone is fine. Throws `RegistryError.deletionRefused` when the registry does not allow deletion.
    public func deleteManifest(_ repository: String, digest: String) async throws(RegistryError) {
        let operation = "delete \(repository)@\(digest)"
        let response = try await sendAuthorized(.DELETE, path: "/v2/\(repository)/manifests/\(digest)",
                                                repository: repository, actions: "delete", operation: operation)
        switch response.status.code {
        case 200..<300, 404: return
        case 405: throw .deletionRefused(registry: registry, repository: repository)
        default: try expect(response, [.accepted], operation: operation)
        }
    }

    /// Deletes every tag of `repository` (each manifest once). Returns the tags that named what was deleted.
    public func deleteRepository(_ repository: String) async throws(RegistryError) -> [String] {
        var byDigest: [String: [String]] = [:]
        for tag in try await tags(of: repository) {
            if let digest = try await manifestDigest(repository, reference: tag) {
                byDigest[digest, default: []].append(tag)
            }
        }
        var deleted: [String] = []
        for (digest, tags) in byDigest.sorted(by: { $0.key < $1.key }) {
            try await deleteManifest(repository, digest: digest)
            deleted += tags
        }
        return deleted.sorted()
    }

    // MARK: Requests

    struct Answer {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// Sends a request with the credentials the registry's challenge asks for: Basic at once, or a token fetched
    /// for `repository:actions` when it asks for a Bearer token.
    private func sendAuthorized(_ method: HTTPMethod, path: String, headers: [(String, String)] = [],
                                repository: String, actions: String,
                                operation: String) async throws(RegistryError) -> Answer {
        let first = try await send(method, path: path, headers: headers, authorization: basicAuthorization,
                                   operation: operation)
        guard first.status == .unauthorized else { return first }
        guard let challenge = first.headers.first(name: "WWW-Authenticate").flatMap(RegistryChallenge.init(header:)),
              challenge.scheme == .bearer
        else { throw unauthorized(operation) }
        let token = try await bearerToken(challenge, scope: "repository:\(repository):\(actions)",
                                          operation: operation)
        let second = try await send(method, path: path, headers: headers, authorization: "Bearer \(token)",
                                    operation: operation)
        guard second.status != .unauthorized else { throw unauthorized(operation) }
        return second
    }

    private var basicAuthorization: String? {
        credentials.map { "Basic " + Data("\($0.username):\($0.password)".utf8).base64EncodedString() }
    }

    private func unauthorized(_ operation: String) -> RegistryError {
        guard let credentials else { return .credentialsNeeded(registry: registry) }
        return .refused(registry: registry, operation: operation, credentials: credentials)
    }

    private func bearerToken(_ challenge: RegistryChallenge, scope: String,
                             operation: String) async throws(RegistryError) -> String {
        struct TokenAnswer: Decodable {
            var token: String?
            var access_token: String?
        }
        guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
            throw .unexpected(registry: registry, operation: operation, status: 401,
                              message: "its Bearer challenge names no token service (realm)")
        }
        var query = components.queryItems ?? []
        if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
        query.append(URLQueryItem(name: "scope", value: scope))
        components.queryItems = query
        guard let url = components.string else { throw unauthorized(operation) }
        let answer = try await send(.GET, url: url, headers: [], authorization: basicAuthorization,
                                    operation: "get a token to \(operation)")
        guard answer.status == .ok,
              let decoded = try? JSONDecoder().decode(TokenAnswer.self, from: answer.body),
              let token = decoded.token ?? decoded.access_token
        else { throw unauthorized(operation) }
        return token
    }

    private func send(_ method: HTTPMethod, path: String, headers: [(String, String)] = [],
                      authorization: String?, operation: String) async throws(RegistryError) -> Answer {
        try await send(method, url: baseURL + path, headers: headers, authorization: authorization,
                       operation: operation)
    }

    private func send(_ method: HTTPMethod, url: String, headers: [(String, String)], authorization: String?,
                      operation: String) async throws(RegistryError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "berth")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        do {
            let response = try await client.execute(request, timeout: timeout)
            let body = method == .HEAD ? ByteBuffer() : try await response.body.collect(upTo: 16 * 1024 * 1024)
            return Answer(status: response.status, headers: response.headers, body: body)
        } catch {
            throw .unreachable(registry: registry, operation: operation, reason: "\(error)")
        }
    }

    private func expect(_ answer: Answer, _ accepted: Set<HTTPResponseStatus>,
                        operation: String) throws(RegistryError) {
        guard !accepted.contains(answer.status) else { return }
        if answer.status == .unauthorized || answer.status == .forbidden { throw unauthorized(operation) }
        throw .unexpected(registry: registry, operation: operation, status: Int(answer.status.code),
                          message: Self.message(in: answer.body))
    }

    /// The registry's `errors[0].message`, or the body itself.
    static func message(in body: ByteBuffer) -> String {
        struct Errors: Decodable {
            struct Entry: Decodable { var code: String?; var message: String? }
            var errors: [Entry]
        }
        if let errors = try? JSONDecoder().decode(Errors.self, from: body), let first = errors.errors.first {
            return [first.code, first.message].compactMap { $0 }.joined(separator: ": ")
        }
        let text = String(buffer: body).trimmingWhitespace()
        return text.isEmpty ? "(no message)" : String(text.prefix(500))
    }
}

public enum RegistryError: Error, Sendable, CustomStringConvertible {
    case unreachable(registry: String, operation: String, reason: String)
    case credentialsNeeded(registry: String)
    case refused(registry: String, operation: String, credentials: RegistryCredentials)
    case deletionRefused(registry: String, repository: String)
    case unexpected(registry: String, operation: String, status: Int, message: String)

    public var description: String {
        switch self {
        case .unreachable(let registry, let operation, let reason):
            "the registry \(registry) could not \(operation): \(reason)"
        case .credentialsNeeded(let registry):
            "the registry \(registry) requires credentials and berth has none for it: set BERTH_REGISTRY_USER and "
                + "BERTH_REGISTRY_PASSWORD, or log in with `docker login \(registry)` (~/.docker/config.json)"
        case .refused(let registry, let operation, let credentials):
            "the registry \(registry) refused the credentials of \(credentials) to \(operation); check the user "
                + "name, password and that user's rights"
        case .deletionRefused(let registry, let repository):
            "the registry \(registry) does not allow deleting images (it answered 405 for \(repository)): deletion "
                + "is off in its configuration (for the registry:2 / distribution server, storage: delete: "
                + "enabled: true); its copies stay"
        case .unexpected(let registry, let operation, let status, let message):
            "the registry \(registry) could not \(operation): it answered \(status): \(message)"
        }
    }
}
