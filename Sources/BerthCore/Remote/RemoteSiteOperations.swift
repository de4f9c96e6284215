import AsyncHTTPClient
import NIOCore

/// The site operations done by a `berth serve`, as the signed-in user. The server picks the host, the base image,
/// the port and everything in the Dockerfile: options that would choose them are refused here, before anything
/// is sent, and again by the server.
public struct RemoteSiteOperations: SiteOperations {
    public let api: ServerAPIClient
    /// `publish --host`: one of the server's hosts the user may publish to, or `auto`; nil lets the server place.
    public let hostName: String?

    public init(endpoint: RemoteEndpoint, hostName: String? = nil) {
        api = ServerAPIClient(endpoint: endpoint)
        self.hostName = hostName
    }

    public static func refusedOptions(_ options: PublishOptions) -> [String] {
        var refused: [String] = []
        if options.baseImage != nil { refused.append("--base-image (the server builds on its own base images)") }
        if case .fixed = options.port { refused.append("--port N (the server picks the port)") }
        if options.dereference { refused.append("--dereference (copy the linked files into the site instead)") }
        if !options.domains.isEmpty {
            refused.append("--domain (name the domains in berth.yml's domains: once the operator allowed them for you)")
        }
        return refused
    }

    public func publish(sitePath: String, options: PublishOptions, events: @escaping Publisher.EventHandler)
        async throws -> PublishResult
    {
        let refused = Self.refusedOptions(options)
        guard refused.isEmpty else {
            throw BerthProblem(.usage, "not for a publish through a server: " + refused.joined(separator: ", "))
        }
        var stages = StageTimer(events: events, logger: .init(label: "berth.remote"))
        stages.start(.pack, detail: sitePath)
        let upload = try SiteUpload(path: sitePath)
        let identity = try upload.site.identity(name: options.siteName, user: "remote")
        let summary = try await upload.summary()
        stages.finish(.pack)
        let memory = options.memory ?? upload.site.config.memory
        let check = RemotePublishCheck(digest: summary.digest, memory: memory?.bytes,
                                       server: options.server ?? upload.site.config.server, host: hostName)
        let path = "/v1/sites/\(identity.site)/publish"
        if !options.pullBaseImage, options.tag == nil {
            let answer = try await api.call(.POST, path + "/check", json: check, as: RemotePublishCheck.Answer.self)
            if answer.upToDate, let result = answer.result {
                events(.upToDate(url: result.url))
                return result
            }
        }
        var request = api.request(.POST, path, query: [
            "digest": summary.digest, "memory": memory.map { "\($0.bytes)" }, "server": check.server?.rawValue,
            "tag": options.tag, "keep": "\(options.keepVersions)",
            "check-timeout": "\(options.checkTimeout.components.seconds)",
            "lock-wait": "\(options.lockWait.components.seconds)", "pull": options.pullBaseImage ? "true" : nil,
            "host": hostName,
        ])
        request.headers.add(name: "Content-Type", value: "application/x-tar")
        request.body = .stream(upload.stream(), length: .known(summary.byteCount))
        return try await api.stream(request, events: events)
    }

    /// One upload (and one check first) per site, the server placing each.
    public func publishAll(_ sitePaths: [String], jobs: Int, options: PublishOptions,
                           events: @escaping @Sendable (String, PublishEvent) -> Void,
                           finished: @escaping @Sendable (String, Result<PublishResult, Error>) -> Void) async
        -> [PublishJob.Outcome]
    {
        await BoundedFanOut.map(sitePaths, width: jobs) { sitePath in
            let result = await Result<PublishResult, Error> {
                try await publish(sitePath: sitePath, options: options) { events(sitePath, $0) }
            }
            finished(sitePath, result)
            return PublishJob.Outcome(sitePath: sitePath, host: try? result.get().host, result: result)
        }
    }

    public func sites(user: String?) async throws -> SiteListing {
        try await api.call(.GET, "/v1/sites", as: SiteListing.self)
    }

    public func versions(site: String, user: String?) async throws -> SiteVersionList {
        try await api.call(.GET, "/v1/sites/\(site)/versions", as: SiteVersionList.self)
    }

    public func rollback(site: String, user: String?, to version: String?, checkTimeout: Duration,
                         lockWait: Duration, events: @escaping Publisher.EventHandler) async throws -> PublishResult {
        let request = api.request(.POST, "/v1/sites/\(site)/rollback", query: [
            "to": version, "check-timeout": "\(checkTimeout.components.seconds)",
            "lock-wait": "\(lockWait.components.seconds)",
        ])
        return try await api.stream(request, events: events)
    }

    public func stop(site: String, user: String?, lockWait: Duration) async throws -> SiteActionResult {
        try await api.call(.POST, "/v1/sites/\(site)/stop", query: ["lock-wait": "\(lockWait.components.seconds)"],
                           as: SiteActionResult.self)
    }

    public func start(site: String, user: String?, checkTimeout: Duration, lockWait: Duration) async throws
        -> SiteActionResult
    {
        try await api.call(.POST, "/v1/sites/\(site)/start", query: [
            "check-timeout": "\(checkTimeout.components.seconds)", "lock-wait": "\(lockWait.components.seconds)",
        ], as: SiteActionResult.self)
    }

    public func remove(site: String, user: String?, images: Bool, registry: Bool, lockWait: Duration) async throws
        -> SiteRemoval
    {
        try await api.call(.DELETE, "/v1/sites/\(site)", query: [
            "images": images ? "true" : nil, "registry": registry ? "true" : nil,
            "lock-wait": "\(lockWait.components.seconds)",
        ], as: SiteRemoval.self)
    }

    public func logs(_ request: SiteWatchRequest, options: SiteLogOptions,
                     _ handle: (SiteWatchEvent<SiteLogLine>) throws -> Void) async throws {
        try await api.watch(api.request(.GET, "/v1/logs", query: [
            "sites": Self.sitesValue(request), "tail": options.tail.map { "\($0)" },
            "since": options.since?.queryValue, "follow": options.follow ? "true" : nil,
        ]), follow: options.follow, handle)
    }

    public func stats(_ request: SiteWatchRequest, follow: Bool,
                      _ handle: (SiteWatchEvent<SiteStatsSample>) throws -> Void) async throws {
        try await api.watch(api.request(.GET, "/v1/stats", query: [
            "sites": Self.sitesValue(request), "follow": follow ? "true" : nil,
        ]), follow: follow, handle)
    }

    /// Site names are checked names (no commas), so a list of them travels as one value.
    static func sitesValue(_ request: SiteWatchRequest) -> String? {
        request.siteNames.isEmpty ? nil : request.siteNames.joined(separator: ",")
    }
}
