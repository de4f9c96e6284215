/// Finds the host of the inventory a site is on, for a command given a site but no `--host`: asks every host at
/// once. The site is on a host when its container is there; a site with no container anywhere (removed without
/// `--images`) is on the host that has its images.
public struct SiteHostSearch: Sendable {
    public var hosts: [DockerHost]

    public init(hosts: [DockerHost]) {
        self.hosts = hosts
    }

    /// The one host that has `site` (of `user`, when given). Several, or none, is an error that names the hosts.
    public func host(
        of site: String, user: String?,
        engine makeEngine: @Sendable (DockerHost) -> DockerEngine = { DockerEngine(endpoint: $0.endpoint) }
    ) async throws(SiteHostSearchError) -> DockerHost {
        if hosts.count == 1, let only = hosts.first { return only }
        let selection = SiteSelection(hosts: hosts, user: user)
        let answers = await selection.search(hosts.map { ($0, makeEngine($0)) }) { host, engine in
            let locator = SiteLocator(host: host, engine: engine)
            let containers = try await locator.containers(user: user, site: site)
            if !containers.isEmpty { return Presence.container }
            var filters = ["\(BerthLabel.site)=\(site)"]
            if let user { filters.append("\(BerthLabel.user)=\(user)") }
            return try await engine.listImages(labelFilters: filters).isEmpty ? Presence.none : Presence.images
        }
        var unanswered: [String: String] = [:]
        var withContainer: [DockerHost] = []
        var withImages: [DockerHost] = []
        for (host, answer) in zip(hosts, answers) {
            switch answer {
            case .success(.container): withContainer.append(host)
            case .success(.images): withImages.append(host)
            case .success(.none): break
            case .failure(let error): unanswered[host.name] = "\(error)"
            }
        }
        let found = withContainer.isEmpty ? withImages : withContainer
        if found.count > 1 {
            throw .onSeveralHosts(site: site, hosts: found.map(\.name))
        }
        guard let host = found.first else {
            throw .notFound(site: site, user: user, searched: hosts.map(\.name), unanswered: unanswered)
        }
        return host
    }

    enum Presence: Sendable {
        case container, images, none
    }
}

public enum SiteHostSearchError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(site: String, user: String?, searched: [String], unanswered: [String: String])
    case onSeveralHosts(site: String, hosts: [String])

    public var description: String {
        switch self {
        case .notFound(let site, let user, let searched, let unanswered):
            let whose = user.map { "\($0)/\(site)" } ?? site
            var text = "no site \(whose) on any host of the inventory (\(searched.joined(separator: ", ")))"
            if !unanswered.isEmpty {
                text += "; these did not answer: "
                    + unanswered.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            }
            return text
        case .onSeveralHosts(let site, let hosts):
            return "the site \(site) is on several hosts (\(hosts.joined(separator: ", "))); name one with --host"
        }
    }
}
