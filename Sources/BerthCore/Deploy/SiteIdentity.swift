import Foundation

/// Labels berth puts on every image and container it makes; berth finds its sites by these, never by name.
public enum BerthLabel {
    public static let site = "berth.site"
    public static let user = "berth.user"
    public static let digest = "berth.digest"
    public static let version = "berth.version"
    public static let server = "berth.server"
    /// The image the site was built FROM, as named, and its image ID at build time (`BaseImage`).
    public static let baseImage = "berth.base.image"
    public static let baseImageID = "berth.base.id"
    /// The path the serve check asks for, when berth.yml's `check_path` names one (validated).
    public static let checkPath = "berth.check-path"
}

/// Whose site it is and what it is called: the key for its container, its images and its labels.
///
/// Every name berth gives a site's things is derived here, and no two identities share one: user and site names
/// never hold `--` nor start or end with a dash (`SiteName`), so `--` separates them unambiguously, and each kind
/// of thing has its own prefix or suffix (`berth--`, `berth-lock--`, `--next`), so a lock or a staging container
/// can never carry the name of any site's container.
public struct SiteIdentity: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var site: String

    public init(user: String, site: String) {
        self.user = user
        self.site = site
    }

    /// The site's container on a host: `berth--USER--SITE`.
    public var containerName: String { "berth--\(user)--\(site)" }

    /// A new version's container while it is checked beside the running one: `berth--USER--SITE--next`.
    public var stagingContainerName: String { "\(containerName)--next" }

    /// A new version's final container, started ahead on the parking network while its staging one is checked:
    /// `berth--USER--SITE--next.final` (a dot no site name holds); it takes the site's name at the switch.
    public var preparedContainerName: String { "\(stagingContainerName).final" }

    /// The previous version's container while the new one takes over its name and port: `berth--USER--SITE--old`;
    /// removed once the new one serves, renamed back if it does not.
    public var parkedContainerName: String { "\(containerName)--old" }

    /// The created, never started container that is the site's deploy lock: `berth-lock--USER--SITE`.
    public var lockContainerName: String { "berth-lock--\(user)--\(site)" }

    /// The name berth gave the site's container before names were made injective: `berth-USER-SITE`, which
    /// `probe-x/y` and `probe/x-y` share. A container under it is this site's only when its labels say so; the next
    /// publish or rollback replaces it by one under `containerName`.
    public var legacyContainerName: String { "berth-\(user)-\(site)" }

    /// The staging container an earlier berth left when it was killed mid-publish, on the site's own port.
    public var legacyStagingContainerName: String { legacyContainerName + "-next" }

    /// Whether a container under `name` is this site's own container (not a staging container or a lock), under
    /// the current or the legacy name. Only the labels say whose it is: see `owns`.
    public func isSiteContainerName(_ name: String) -> Bool {
        name == containerName || name == legacyContainerName
    }

    /// The image repository: `[REGISTRY/]USER/SITE` (neither name holds a `/`).
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
    /// Empty when that name holds no letters or digits, which `SiteName.check` then refuses.
    public static func defaultUser(environment: [String: String]) -> String {
        let raw = environment["BERTH_USER"] ?? environment["USER"] ?? environment["LOGNAME"] ?? "default"
        return SiteName.sanitized(raw)
    }
}
