import Logging

/// A version tag names one content of a site, so that `rollback --to TAG` has one version to choose. A `--tag`
/// that already names other content of the site (on its host, its build host or in the registry) is refused
/// before anything is built; the same content under the same tag again is fine.
struct VersionTagCheck {
    let identity: SiteIdentity
    let tag: String
    /// The build context's digest of the content being published.
    let digest: String
    let logger: Logger

    func check(hosts: [(name: String, engine: DockerEngine)], registry: RegistryClient?) async throws {
        for (name, engine) in hosts {
            let filters = identity.labels.map { "\($0.key)=\($0.value)" } + ["\(BerthLabel.version)=\(tag)"]
            for image in try await engine.listImages(labelFilters: filters) {
                let other = image.labels?[BerthLabel.digest]
                if other != digest {
                    throw VersionTagError(identity: identity, tag: tag, place: "on \(name)", otherDigest: other,
                                          imageID: image.id)
                }
            }
        }
        guard let registry else { return }
        let repository = identity.repository(registry: nil)
        do {
            guard let labels = try await registry.imageLabels(repository, tag: tag) else { return }
            let other = labels[BerthLabel.digest]
            if other != digest {
                throw VersionTagError(identity: identity, tag: tag, place: "in the registry \(registry.registry)",
                                      otherDigest: other, imageID: nil)
            }
        } catch let error as RegistryError {
            // The push finds out for itself if the registry cannot be reached; the hosts were checked.
            logger.info("could not ask the registry what the tag names",
                        metadata: ["tag": "\(tag)", "error": "\(error)"])
        }
    }
}

/// `--tag` names other content of the site already.
public struct VersionTagError: Error, Sendable, CustomStringConvertible {
    public var identity: SiteIdentity
    public var tag: String
    /// Where the tag was found: "on web1", "in the registry r:5000".
    public var place: String
    /// The content digest the tag names there (nil for an image without berth's digest label).
    public var otherDigest: String?
    public var imageID: String?

    public var description: String {
        let what = otherDigest.map { "the version with content digest \($0)" }
            ?? imageID.map { "the image \($0)" } ?? "another image"
        return "the tag \(tag) already names other content of \(identity) \(place): \(what). A tag names one "
            + "version, so that rollback --to \(tag) can choose it: publish this content under another --tag, or "
            + "leave --tag out (the version is then named after the content's digest); nothing was built or changed"
    }
}
