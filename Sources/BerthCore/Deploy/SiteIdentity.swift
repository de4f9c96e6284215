import Foundation

/// Labels berth puts on every image and container it makes; berth finds its sites by these, never by name.
public enum BerthLabel {
    public static let site = "berth.site"
    public static let user = "berth.user"
    public static let digest = "berth.digest"
    public static let version = "berth.version"
    public static let server = "berth.server"
    /// The path the serve check asks for, when berth.yml's `check_path` names one (validated).
    public static let checkPath = "berth.check-path"
}

/// Whose site it is and what it is called: the key for its container, its images and its labels.
public struct SiteIdentity: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var site: String

    public init(user: String, site: String) {
        self.user = user
        self.site = site
    }

    /// The site's container on a host.
    public var containerName: String { "berth-\(user)-\(site)" }

    /// The image repository: `[REGISTRY/]USER/SITE`.
    public func repository(registry: String?) -> String {
        let path = "\(user)/\(site)"
        guard let registry, !registry.isEmpty else { return path }
        return "\(registry)/\(path)"
    }

    public var labels: [String: String] {
        [BerthLabel.site: site, BerthLabel.user: user]
    }

    /// The labels the site's Dockerfile gives its image: the same for every version.
    public func imageLabels(server: ServerKind) -> [String: String] {
        var labels = self.labels
        labels[BerthLabel.server] = server.rawValue
        return labels
    }

    /// The labels of this site's container at one version.
    public func labels(digest: String?, version: String, server: ServerKind) -> [String: String] {
        var labels = imageLabels(server: server)
        labels[BerthLabel.digest] = digest
        labels[BerthLabel.version] = version
        return labels
    }

    /// Whether a container or image carrying `labels` belongs to this site.
    public func owns(_ labels: [String: String]) -> Bool {
        labels[BerthLabel.site] == site && labels[BerthLabel.user] == user
    }

    public var description: String { "\(user)/\(site)" }

    /// The owner of sites published without `--user`: `BERTH_USER`, else the login name.
    public static func defaultUser(environment: [String: String]) -> String {
        let raw = environment["BERTH_USER"] ?? environment["USER"] ?? environment["LOGNAME"] ?? "default"
        return SiteName.sanitized(raw)
    }
}
