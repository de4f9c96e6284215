import Foundation

/// One version of a site kept on a host: an image berth built for it.
public struct SiteVersion: Sendable, Codable, Equatable {
    /// The `berth.version` label (the tag it was published under).
    public var version: String
    public var imageID: String
    /// The build context's digest (`berth.digest`).
    public var digest: String?
    /// The web server it was built for (`berth.server`).
    public var server: String?
    /// The path its serve check asks for (`berth.check-path`, from berth.yml's `check_path`); `/` when nil.
    public var checkPath: String?
    public var created: Date
    public var size: Int64
    /// Every name the image goes by on the host: `[REGISTRY/]USER/SITE:VERSION`, and `:latest` for the newest.
    public var tags: [String]
    /// The site's container was made from this image (running or stopped).
    public var current: Bool
    /// The site's container was made from this image and runs.
    public var running: Bool
    /// Built by a publish that has not seen it serve (under way, or killed): never a rollback target.
    public var pending: Bool

    public init(version: String, imageID: String, digest: String? = nil, server: String? = nil,
                checkPath: String? = nil, created: Date, size: Int64, tags: [String], current: Bool = false,
                running: Bool = false, pending: Bool = false) {
        self.version = version
        self.imageID = imageID
        self.digest = digest
        self.server = server
        self.checkPath = checkPath
        self.created = created
        self.size = size
        self.tags = tags
        self.current = current
        self.running = running
        self.pending = pending
    }

    /// The name to run it by: its `USER/SITE:VERSION` tag (with the registry prefix it was pushed under), else
    /// the image ID when that tag has moved to another image.
    func reference(for identity: SiteIdentity) -> String {
        let suffix = "\(identity.user)/\(identity.site):\(version)"
        return tags.first { $0 == suffix || $0.hasSuffix("/" + suffix) } ?? imageID
    }
}

/// A site on one host: its container, if it has one, and the versions kept for it, newest first.
public struct SiteHistory: Sendable {
    public var host: String
    public var identity: SiteIdentity
    public var container: SiteContainer?
    public var versions: [SiteVersion]

    public init(host: String, identity: SiteIdentity, container: SiteContainer?, versions: [SiteVersion]) {
        self.host = host
        self.identity = identity
        self.container = container
        self.versions = versions
    }

    public var current: SiteVersion? { versions.first(where: \.current) }

    /// The version a rollback runs: `requested`, else the newest version older than the current one that has
    /// served (a pending one never has).
    public func rollbackTarget(requested: String?) throws(SiteOperationError) -> SiteVersion {
        let kept = versions.map(\.version)
        if let requested {
            guard let match = versions.first(where: { $0.version == requested }) else {
                throw .versionNotKept(identity, host: host, version: requested, kept: kept)
            }
            return match
        }
        guard let currentIndex = versions.firstIndex(where: \.current) else {
            throw .noCurrentVersion(identity, host: host, kept: kept)
        }
        let current = versions[currentIndex]
        let older = versions[(currentIndex + 1)...]
        guard let earlier = older.first(where: { $0.imageID != current.imageID && !$0.pending }) else {
            throw .noEarlierVersion(identity, host: host, current: current.version)
        }
        return earlier
    }

    /// The versions beyond the newest `keep`, which a publish removes; never the one the site's container uses.
    public func versionsBeyond(keep: Int) -> [SiteVersion] {
        versions.dropFirst(max(keep, 0)).filter { !$0.current }
    }
}

extension SiteLocator {
    /// The site and its kept versions. It is found by its container or, when it has none (removed without
    /// `--images`), by its images; with `user` nil it must belong to exactly one user.
    public func history(site: String, user: String?) async throws -> SiteHistory {
        var imageFilters = ["\(BerthLabel.site)=\(site)"]
        if let user { imageFilters.append("\(BerthLabel.user)=\(user)") }
        let found = try await containers(user: user, site: site)
        let images = try await engine.listImages(labelFilters: imageFilters)
        let owners = Set(found.map(\.identity.user) + images.compactMap { $0.labels?[BerthLabel.user] })
        guard let owner = owners.first else {
            let known = try await containers(user: user).map(\.identity.description)
            throw SiteLookupError.notFound(site: site, user: user, host: host.name, known: known)
        }
        guard owners.count == 1 else {
            throw SiteLookupError.ambiguous(site: site, host: host.name, owners: owners.sorted())
        }
        let identity = SiteIdentity(user: owner, site: site)
        let container = found.first { $0.identity == identity }
        let ownImages = images.filter { identity.owns($0.labels ?? [:]) }
        return SiteHistory(host: host.name, identity: identity, container: container,
                           versions: Self.versions(of: ownImages, container: container))
    }

    /// The site's history when its identity is already known (after a publish), from its images as `images` lists
    /// them (nil: as listed now).
    func history(of identity: SiteIdentity, images listed: [ImageSummary]? = nil) async throws -> SiteHistory {
        let container = try await containers(user: identity.user, site: identity.site).first
        let images: [ImageSummary]
        if let listed { images = listed } else { images = try await Self.siteImages(identity, on: engine) }
        return SiteHistory(host: host.name, identity: identity, container: container,
                           versions: Self.versions(of: images, container: container))
    }

    /// The images that carry the site's labels.
    static func siteImages(_ identity: SiteIdentity, on engine: any ContainerEngine) async throws -> [ImageSummary] {
        try await engine.listImages(labelFilters: identity.labels.map { "\($0.key)=\($0.value)" })
    }

    static func versions(of images: [ImageSummary], container: SiteContainer?) -> [SiteVersion] {
        images.map { image in
            let labels = image.labels ?? [:]
            let current = image.id == container?.summary.imageID
            let identity = labels[BerthLabel.user].flatMap { user in
                labels[BerthLabel.site].map { SiteIdentity(user: user, site: $0) }
            }
            let pendingPrefix = identity.map { $0.pendingRepository + ":" }
            let allTags = (image.repoTags ?? []).filter { $0 != "<none>:<none>" }
            let pendingTags = allTags.filter { tag in pendingPrefix.map { tag.hasPrefix($0) } ?? false }
            return SiteVersion(
                version: labels[BerthLabel.version] ?? labels[BerthLabel.digest].map(ContextSummary.version(ofDigest:))
                    ?? String(image.id.drop { $0 != ":" }.dropFirst().prefix(12)),
                imageID: image.id, digest: labels[BerthLabel.digest], server: labels[BerthLabel.server],
                checkPath: labels[BerthLabel.checkPath].flatMap { SiteConfig.isValidCheckPath($0) ? $0 : nil },
                created: Date(timeIntervalSince1970: TimeInterval(image.created)), size: image.size,
                tags: allTags.filter { !pendingTags.contains($0) },
                current: current, running: current && (container?.isRunning ?? false), pending: !pendingTags.isEmpty)
        }
        .sorted { ($0.created, $0.imageID) > ($1.created, $1.imageID) }
    }
}
