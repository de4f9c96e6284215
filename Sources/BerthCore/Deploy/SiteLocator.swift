/// A berth site's container on a host, as found by its labels.
public struct SiteContainer: Sendable, Equatable {
    public var host: DockerHost
    public var identity: SiteIdentity
    public var summary: ContainerSummary

    public var id: String { summary.id }

    /// nil for a container that carries the site's labels under a name berth does not give them.
    var role: SiteLocator.ContainerRole? {
        switch summary.name {
        case identity.containerName, identity.legacyContainerName: return .site
        case identity.stagingContainerName, identity.legacyStagingContainerName: return .staging
        case identity.parkedContainerName: return .parked
        case identity.preparedContainerName: return .prepared
        default: return nil
        }
    }
    public var isRunning: Bool { summary.state == "running" }

    /// The site's URL: through the host's edge when it has one, else from the host port its container publishes
    /// (running or not).
    public var url: String? {
        host.siteURL(labels: summary.labels ?? [:], port: summary.ports?.compactMap(\.publicPort).first)
    }
}

/// Finds berth's site containers on a host by their labels, never by name: containers berth did not create, and
/// the staging containers of a publish under way, are left out. A site published by an earlier berth, whose
/// container still has the legacy name, is found too.
public struct SiteLocator: Sendable {
    public let host: DockerHost
    public let engine: any ContainerEngine

    public init(host: DockerHost, engine: any ContainerEngine) {
        self.host = host
        self.engine = engine
    }

    /// Site containers, optionally of one user and/or one site.
    public func containers(user: String? = nil, site: String? = nil) async throws -> [SiteContainer] {
        try await allContainers(user: user, site: site).filter { $0.role == .site }
    }

    /// What a site's container is to it: the site itself, or what a publish under way (or killed) has beside it.
    enum ContainerRole {
        case site, staging, parked, prepared
    }

    /// Every container of berth's sites under one of the names a site's containers have: the site's own, and the
    /// staging, prepared and parked containers of a replacement under way or interrupted.
    func allContainers(user: String? = nil, site: String? = nil) async throws -> [SiteContainer] {
        var filters = [BerthLabel.site]
        if let user { filters.append("\(BerthLabel.user)=\(user)") }
        if let site { filters.append("\(BerthLabel.site)=\(site)") }
        let found = try await engine.listContainers(all: true, labelFilters: filters)
        return found.compactMap { summary -> SiteContainer? in
            guard let labels = summary.labels, let siteName = labels[BerthLabel.site],
                  let userName = labels[BerthLabel.user], SiteName.isValid(siteName), SiteName.isValid(userName)
            else { return nil }
            let container = SiteContainer(host: host, identity: SiteIdentity(user: userName, site: siteName),
                                          summary: summary)
            return container.role == nil ? nil : container
        }
        .sorted { ($0.identity.user, $0.identity.site) < ($1.identity.user, $1.identity.site) }
    }

    /// The site named `site` (of `user`, or of the only user who has one), found by any of its containers, so
    /// that a site whose publish was killed while its container was parked is still found.
    func identity(site: String, user: String?) async throws -> SiteIdentity {
        let owners = Set(try await allContainers(user: user, site: site).map(\.identity))
        if owners.count == 1, let only = owners.first { return only }
        if owners.isEmpty {
            let known = try await containers(user: user).map(\.identity.description)
            throw SiteLookupError.notFound(site: site, user: user, host: host.name, known: known)
        }
        throw SiteLookupError.ambiguous(site: site, host: host.name, owners: owners.map(\.user).sorted())
    }

    /// The one container of `site`, or an error that says which sites exist.
    public func container(site: String, user: String?) async throws -> SiteContainer {
        let matches = try await containers(user: user, site: site)
        if matches.count == 1, let only = matches.first { return only }
        if matches.isEmpty {
            let known = try await containers(user: user).map(\.identity.description)
            throw SiteLookupError.notFound(site: site, user: user, host: host.name, known: known)
        }
        throw SiteLookupError.ambiguous(site: site, host: host.name, owners: matches.map(\.identity.user))
    }

    /// The site's container, if any: the one under its name, else one an earlier berth left under the legacy
    /// name. A container under the site's name that is not this site's (another user's, or not berth's at all) is
    /// never touched: finding it is an error. One under the legacy name that is not this site's is simply another
    /// site's (that name was shared): it is left alone and does not stand in the way.
    public func existingContainer(_ identity: SiteIdentity) async throws -> ContainerInspect? {
        if let container = try await engine.inspectContainer(identity.containerName) {
            guard identity.owns(container.labels) else {
                let labels = container.labels
                let owner = labels[BerthLabel.site].map { "\(labels[BerthLabel.user] ?? "?")/\($0)" }
                throw PublishError.nameTaken(containerName: identity.containerName, host: host.name, owner: owner)
            }
            return container
        }
        guard let legacy = try await engine.inspectContainer(identity.legacyContainerName),
              identity.owns(legacy.labels)
        else { return nil }
        return legacy
    }
}

public enum SiteLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(site: String, user: String?, host: String, known: [String])
    case ambiguous(site: String, host: String, owners: [String])

    public var description: String {
        switch self {
        case .notFound(let site, let user, let host, let known):
            let whose = user.map { "\($0)/\(site)" } ?? site
            let list = known.isEmpty ? "there are no berth sites there" : "sites there: \(known.joined(separator: ", "))"
            return "no site \(whose) on \(host); \(list)"
        case .ambiguous(let site, let host, let owners):
            return "several users have a site \(site) on \(host) (\(owners.joined(separator: ", "))); name one with --user"
        }
    }
}
