/// Everything a command does to sites, behind one seam: `LocalSiteOperations` acts on the engines itself,
/// `RemoteSiteOperations` asks a `berth serve` to (which acts through its own `LocalSiteOperations` for the
/// signed-in user). A command parses its options, calls one of these and renders the answer, whichever it is.
public protocol SiteOperations: Sendable {
    func publish(sitePath: String, options: PublishOptions, events: @escaping Publisher.EventHandler) async throws
        -> PublishResult
    /// Several sites at once, `jobs` at a time: each outcome is handed to `finished` as it ends and returned in
    /// the order of `sitePaths`; one failing does not stop the others.
    func publishAll(_ sitePaths: [String], jobs: Int, options: PublishOptions,
                    events: @escaping @Sendable (String, PublishEvent) -> Void,
                    finished: @escaping @Sendable (String, Result<PublishResult, Error>) -> Void) async
        -> [PublishJob.Outcome]
    func sites(user: String?) async throws -> SiteListing
    func versions(site: String, user: String?) async throws -> SiteVersionList
    func rollback(site: String, user: String?, to version: String?, checkTimeout: Duration, lockWait: Duration,
                  events: @escaping Publisher.EventHandler) async throws -> PublishResult
    func stop(site: String, user: String?, lockWait: Duration) async throws -> SiteActionResult
    func start(site: String, user: String?, checkTimeout: Duration, lockWait: Duration) async throws
        -> SiteActionResult
    func remove(site: String, user: String?, images: Bool, registry: Bool, lockWait: Duration) async throws
        -> SiteRemoval
    /// `berth logs`: the sites' lines, handed to `handle` on the calling task; with `options.follow`, until every
    /// site has ended or the task is cancelled.
    func logs(_ request: SiteWatchRequest, options: SiteLogOptions,
              _ handle: (SiteWatchEvent<SiteLogLine>) throws -> Void) async throws
    /// `berth stats`: one sample of each running site, or with `follow`, a sample a second until every site has
    /// ended or the task is cancelled.
    func stats(_ request: SiteWatchRequest, follow: Bool,
               _ handle: (SiteWatchEvent<SiteStatsSample>) throws -> Void) async throws
}

/// `berth sites`: every site found, and the hosts that could not be asked.
public struct SiteListing: Sendable, Codable, Equatable {
    public var sites: [SiteStatus]
    public var problems: [HostProblemRecord]

    public init(sites: [SiteStatus], problems: [HostProblemRecord]) {
        self.sites = sites
        self.problems = problems
    }

    public init(_ lists: [HostSiteList]) {
        sites = lists.flatMap(\.sites)
        problems = lists.compactMap { list in list.error.map { HostProblemRecord(host: list.host.name, error: $0) } }
    }
}

/// `berth versions`: a site's kept versions on its host, newest first.
public struct SiteVersionList: Sendable, Codable, Equatable {
    public var host: String
    public var user: String
    public var site: String
    public var versions: [SiteVersion]

    public init(_ history: SiteHistory) {
        host = history.host
        user = history.identity.user
        site = history.identity.site
        versions = history.versions
    }

    public var identity: SiteIdentity { SiteIdentity(user: user, site: site) }
}
