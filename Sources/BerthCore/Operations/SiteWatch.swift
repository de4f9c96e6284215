/// `berth logs` and `berth stats` as `SiteOperations` calls: which sites to watch, and what is seen while watching
/// them. Unlike `SiteStreamEvent`, a watched site is named by value (user, site, host), not by the container and
/// engine that reach it, so the same events come from the engines here or through a `berth serve`.
public struct SiteWatchRequest: Sendable, Equatable {
    /// The sites by name; every site (of `user`) when empty.
    public var siteNames: [String]
    /// Only this user's sites; every user's when nil. A server always watches the signed-in user's only.
    public var user: String?
    /// Look on every host of the inventory (`--all-hosts`), not only `--host` or the default one.
    public var allHosts: Bool

    public init(siteNames: [String] = [], user: String? = nil, allHosts: Bool = false) {
        self.siteNames = siteNames
        self.user = user
        self.allHosts = allHosts
    }
}

/// A site being watched, as its lines and samples name it.
public struct WatchedSite: Sendable, Codable, Equatable {
    public var user: String
    public var site: String
    public var host: String

    public init(user: String, site: String, host: String) {
        self.user = user
        self.site = site
        self.host = host
    }

    public init(_ site: LocatedSite) {
        self.init(user: site.identity.user, site: site.identity.site, host: site.hostName)
    }

    public func label(showingHost: Bool) -> String {
        SiteIdentity(user: user, site: site).label(host: host, showingHost: showingHost)
    }
}

/// What a watch reports, in order: first `located` (once the sites are found; a failure before it is thrown),
/// then values and each site's end or failure as they come.
public enum SiteWatchEvent<Value: Sendable>: Sendable {
    /// The sites found (possibly none) on `hosts`; `spansHosts` when they come from several hosts, so each line
    /// names its host. `leftOut` are hosts that did not answer (each a warning, and the command fails in the end).
    case located(sites: [WatchedSite], hosts: [String], spansHosts: Bool, leftOut: [HostProblemRecord])
    case value(Value)
    /// The site's stream ended: its container stopped or was removed. The others go on.
    case ended(WatchedSite)
    /// The site's stream failed, with the error's message; the others go on.
    case failed(WatchedSite, message: String)
}

extension SiteWatchEvent {
    init(_ event: SiteStreamEvent<Value>) {
        switch event {
        case .value(let value): self = .value(value)
        case .ended(let site): self = .ended(WatchedSite(site))
        case .failed(let site, let error): self = .failed(WatchedSite(site), message: "\(error)")
        }
    }
}
