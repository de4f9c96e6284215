/// Where `rm --images --registry` deletes a site's copies: every registry the site's images on the host were
/// pushed to (the prefix of their `REGISTRY/USER/SITE:TAG` names), and the configured registry.
public struct RegistryCopies: Sendable {
    /// `--registry`'s default: `$BERTH_REGISTRY`, else the inventory's `registry`.
    public var configured: String?
    public var credentials: CredentialStore

    public init(configured: String?, credentials: CredentialStore) {
        self.configured = configured.flatMap { $0.isEmpty ? nil : $0 }
        self.credentials = credentials
    }

    /// The registries the versions were pushed to, and the configured one, each once, in a stable order.
    func registries(of identity: SiteIdentity, versions: [SiteVersion]) -> [String] {
        let path = "/\(identity.user)/\(identity.site):"
        var found = Set(versions.flatMap(\.tags).compactMap { tag in
            tag.range(of: path).map { String(tag[..<$0.lowerBound]) }
        })
        if let configured { found.insert(configured) }
        return found.sorted()
    }

    /// Deletes every tag of the site's repository in each registry; returns the references deleted. A registry
    /// that refuses (deletion off, no rights) stops here with an error that says what was already removed.
    func delete(_ identity: SiteIdentity, versions: [SiteVersion], removedFromHost: SiteRemoval) async throws
        -> [String]
    {
        let repository = identity.repository(registry: nil)
        var deleted: [String] = []
        for registry in registries(of: identity, versions: versions) {
            do {
                let client = RegistryClient(registry: registry, credentials: try credentials.credentials(for: registry))
                deleted += try await client.deleteRepository(repository).map { "\(registry)/\(repository):\($0)" }
            } catch {
                throw RegistryCopiesError(identity: identity, removedFromHost: removedFromHost, deleted: deleted,
                                          reason: "\(error)")
            }
        }
        return deleted
    }
}

/// The host's copies are gone, but a registry's are not.
public struct RegistryCopiesError: Error, Sendable, CustomStringConvertible {
    public var identity: SiteIdentity
    public var removedFromHost: SiteRemoval
    public var deleted: [String]
    public var reason: String

    public var description: String {
        var done: [String] = []
        if removedFromHost.containerID != nil { done.append("its container on \(removedFromHost.host)") }
        if !removedFromHost.removedVersions.isEmpty {
            done.append("the images of \(removedFromHost.removedVersions.joined(separator: ", ")) on "
                + removedFromHost.host)
        }
        if !deleted.isEmpty { done.append(deleted.joined(separator: ", ")) }
        let removed = done.isEmpty ? "" : " (removed: " + done.joined(separator: "; ") + ")"
        return "the registry copies of \(identity) were not all deleted: \(reason)" + removed
    }
}
