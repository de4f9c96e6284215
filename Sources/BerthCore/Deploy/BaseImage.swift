import Foundation

/// The image a site is built FROM, as the engine that builds it has it. Its ID is part of what makes a running
/// site up to date: a site whose files did not change is still rebuilt when its base image did (a patched nginx
/// pulled with `publish --pull`, or by anyone on the host).
public struct BaseImage: Sendable, Equatable {
    public var reference: String
    /// The image ID (`sha256:…`) `reference` names on the building engine.
    public var id: String

    public init(reference: String, id: String) {
        self.reference = reference
        self.id = id
    }

    /// The labels the build gives the site's image; its containers inherit them.
    public var labels: [String: String] {
        [BerthLabel.baseImage: reference, BerthLabel.baseImageID: id]
    }

    /// Whether an image or container with `labels` was built on this very image.
    public func isBase(of labels: [String: String]) -> Bool {
        labels[BerthLabel.baseImageID] == id
    }

    /// The version tag of a build of `summary` on this base: the context digest's first 12 hex digits, a dash,
    /// and the base image ID's first 6, so that a rebuild on a new base never takes the tag of the old build. A
    /// site with a `check_path` adds a dash and the first 8 hex digits of its SHA-256: the path is a label of the
    /// image, so the same files checked on another path are another image, and must not take the tag of the first.
    public func version(of summary: ContextSummary, checkPath: String? = nil) -> String {
        let version = summary.version + "-" + String(id.drop { $0 != ":" }.dropFirst().prefix(6))
        guard let checkPath else { return version }
        return version + "-" + String(ContentHasher.hex(of: Array(checkPath.utf8)).prefix(8))
    }

    /// `reference` as `engine` has it, or nil when it does not have it.
    static func present(_ reference: String, on engine: DockerEngine) async throws -> BaseImage? {
        try await engine.inspectImage(reference).map { BaseImage(reference: reference, id: $0.id) }
    }

    /// Pulls `reference` to `engine` and returns it as pulled.
    static func pull(_ reference: String, to engine: DockerEngine, registryAuth: String,
                     events: Publisher.EventHandler) async throws -> BaseImage {
        let (name, tag) = split(reference)
        for try await event in engine.pull(image: name, tag: tag, registryAuth: registryAuth) {
            if case .progress(let progress) = event { events(.progress(.pull, progress)) }
        }
        guard let pulled = try await present(reference, on: engine) else {
            throw EngineError.notFound("image \(reference) (it was pulled and is gone again)")
        }
        return pulled
    }

    /// The registry a reference is pulled from: its first component when that names a host (holds a `.` or a
    /// `:`, or is `localhost`), else Docker Hub (nil).
    static func registry(of reference: String) -> String? {
        let parts = reference.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let first = parts.first else { return nil }
        return first.contains(".") || first.contains(":") || first == "localhost" ? String(first) : nil
    }

    /// The `X-Registry-Auth` value for pulling `reference`. The credentials given for berth's own registry
    /// (`BERTH_REGISTRY_USER`/`_PASSWORD`) go only to that registry; any other is asked with what
    /// `~/.docker/config.json` holds for it, else anonymously.
    static func registryAuth(for reference: String, publishRegistry: String?, credentials: CredentialStore) throws
        -> String
    {
        let registry = registry(of: reference) ?? "index.docker.io"
        var store = credentials
        if registry != publishRegistry {
            store.environment["BERTH_REGISTRY_USER"] = nil
            store.environment["BERTH_REGISTRY_PASSWORD"] = nil
        }
        guard let found = try store.credentials(for: registry) else { return DockerEngine.anonymousRegistryAuth }
        return RegistryAuthHeader.value(for: found, registry: registry)
    }

    /// `name` and `tag` for the engine's pull: a digest reference is pulled whole, a reference without a tag as
    /// `latest`.
    static func split(_ reference: String) -> (name: String, tag: String) {
        if reference.contains("@") { return (reference, "") }
        let lastSlash = reference.lastIndex(of: "/") ?? reference.startIndex
        if let colon = reference.lastIndex(of: ":"), colon > lastSlash {
            return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
        }
        return (reference, "latest")
    }
}

/// The base image could not be pulled; nothing was built.
public struct BaseImagePullError: Error, Sendable, CustomStringConvertible {
    public var reference: String
    public var host: String
    public var reason: String
    /// `--pull` asked for it (else the host did not have the image).
    public var requested: Bool

    public var description: String {
        let note = requested
            ? " Without --pull, the copy \(host) already has (if any) is built on."
            : " \(host) does not have it either: check the name, --base-image, and the registry's credentials."
        return "could not pull the base image \(reference) to \(host): \(reason).\(note)"
    }
}
