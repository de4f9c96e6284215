import Foundation

/// The site operations done here, on the inventory's engines: what every command did before there was a server,
/// and what `berth serve` does on behalf of its signed-in users.
public struct LocalSiteOperations: SiteOperations {
    public let inventory: Inventory
    /// `--host`: a host's name (or `auto` for publish), or nil for the inventory's default host (publish) or the
    /// host that has the site (the other operations).
    public let hostName: String?
    /// Where images are built when not on the target host (`publish --build-host`).
    public let builder: (host: DockerHost, engine: DockerEngine)?
    public let templates: TemplateSet
    public let environment: [String: String]

    public init(inventory: Inventory, hostName: String?, builder: (host: DockerHost, engine: DockerEngine)? = nil,
                templates: TemplateSet = .builtIn, environment: [String: String]) {
        self.inventory = inventory
        self.hostName = hostName
        self.builder = builder
        self.templates = templates
        self.environment = environment
    }

    public func job(options: PublishOptions) -> PublishJob {
        PublishJob(inventory: inventory, hostName: hostName, builder: builder, options: options, templates: templates,
                   environment: environment)
    }

    public func publish(sitePath: String, options: PublishOptions, events: @escaping Publisher.EventHandler)
        async throws -> PublishResult
    {
        try await job(options: options).publish(sitePath: sitePath, events: events)
    }

    /// Through one `PublishJob`, so that `--host auto` spreads the sites over the hosts.
    public func publishAll(_ sitePaths: [String], jobs: Int, options: PublishOptions,
                           events: @escaping @Sendable (String, PublishEvent) -> Void,
                           finished: @escaping @Sendable (String, Result<PublishResult, Error>) -> Void) async
        -> [PublishJob.Outcome]
    {
        await job(options: options).publishAll(sitePaths, jobs: jobs, events: events, finished: finished)
    }

    public func sites(user: String?) async throws -> SiteListing {
        try await sites(user: user, sampleMemory: true)
    }

    /// `sampleMemory: false`: without the memory each site uses, a second faster (for what needs only the rest).
    public func sites(user: String?, sampleMemory: Bool) async throws -> SiteListing {
        let hosts = hostName.map { name in inventory.hosts.filter { $0.name == name } } ?? inventory.hosts
        if let hostName, hosts.isEmpty { _ = try inventory.host(named: hostName) }
        let lists = await HostSiteList.gather(from: hosts, user: user, sampleMemory: sampleMemory) { host in
            DockerEngine(endpoint: host.endpoint, requestTimeout: .seconds(10))
        }
        return SiteListing(lists)
    }

    public func versions(site: String, user: String?) async throws -> SiteVersionList {
        let host = try await host(of: site, user: user)
        let history = try await SiteLocator(host: host, engine: DockerEngine(endpoint: host.endpoint))
            .history(site: site, user: user)
        return SiteVersionList(history)
    }

    public func rollback(site: String, user: String?, to version: String?, checkTimeout: Duration,
                         lockWait: Duration, events: @escaping Publisher.EventHandler) async throws -> PublishResult {
        let host = try await host(of: site, user: user)
        return try await Rollback(host: host, engine: DockerEngine(endpoint: host.endpoint))
            .run(site: site, user: user, to: version, checkTimeout: checkTimeout, lockWait: lockWait, events: events)
    }

    public func stop(site: String, user: String?, lockWait: Duration) async throws -> SiteActionResult {
        try await control(of: site, user: user).stop(site: site, user: user, lockWait: lockWait)
    }

    public func start(site: String, user: String?, checkTimeout: Duration, lockWait: Duration) async throws
        -> SiteActionResult
    {
        try await control(of: site, user: user).start(site: site, user: user, checkTimeout: checkTimeout,
                                                      lockWait: lockWait)
    }

    public func remove(site: String, user: String?, images: Bool, registry: Bool, lockWait: Duration) async throws
        -> SiteRemoval
    {
        let copies = registry
            ? RegistryCopies(configured: environment["BERTH_REGISTRY"] ?? inventory.registry,
                             credentials: CredentialStore(environment: environment))
            : nil
        return try await control(of: site, user: user).remove(site: site, user: user, removeImages: images,
                                                              registryCopies: copies, lockWait: lockWait)
    }

    /// The host the site is on: `--host`, else the one host of the inventory that has the site.
    public func host(of site: String, user: String?) async throws -> DockerHost {
        guard hostName == nil, inventory.hosts.count > 1 else { return try inventory.defaultHost(named: hostName) }
        return try await SiteHostSearch(hosts: inventory.hosts).host(of: site, user: user)
    }

    private func control(of site: String, user: String?) async throws -> SiteControl {
        let host = try await host(of: site, user: user)
        return SiteControl(host: host, engine: DockerEngine(endpoint: host.endpoint))
    }
}
