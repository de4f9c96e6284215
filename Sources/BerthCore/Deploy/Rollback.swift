import Logging

/// Runs a kept earlier version of a site in place of the current one, as safely as a publish: the current
/// version is replaced only once the earlier one serves, and started again if it does not.
public struct Rollback: Sendable {
    public let host: DockerHost
    public let engine: any ContainerEngine
    let probe: any SiteProbe
    let logger: Logger

    public init(host: DockerHost, engine: any ContainerEngine, probe: any SiteProbe = HTTPSiteProbe.shared,
                logger: Logger = Logger(label: "berth.rollback")) {
        self.host = host
        self.engine = engine
        self.probe = probe
        self.logger = logger
    }

    /// Runs version `requested`, else the newest version older than the current one. A version whose image is
    /// gone is reported before anything changes. The result describes the version now serving.
    public func run(site: String, user: String?, to requested: String?, checkTimeout: Duration,
                    lockWait: Duration = .seconds(120), events: @escaping Publisher.EventHandler) async throws
        -> PublishResult
    {
        let locator = SiteLocator(host: host, engine: engine)
        let identity = try await locator.history(site: site, user: user).identity
        if host.edge != nil {
            try await EdgeController(host: host, engine: engine, environment: [:], logger: logger).requireRunning()
        }
        // The same lock as publish: a rollback and a publish of one site never interleave.
        return try await DeployLock(engine: engine, identity: identity).withLock(wait: lockWait, onWaiting: { holder in
            events(.waitingForLock(holder: holder.description))
        }) {
            try await runLocked(identity: identity, to: requested, checkTimeout: checkTimeout, events: events)
        }
    }

    private func runLocked(identity: SiteIdentity, to requested: String?, checkTimeout: Duration,
                           events: @escaping Publisher.EventHandler) async throws -> PublishResult {
        var timer = StageTimer(events: events, logger: logger)
        let recovered = try await SiteRecovery(host: host, engine: engine, identity: identity, logger: logger).recover()
        for action in recovered { events(.warning("recovered from an interrupted publish: \(action)")) }
        let locator = SiteLocator(host: host, engine: engine)
        let history = try await locator.history(site: identity.site, user: identity.user)
        let target = try history.rollbackTarget(requested: requested)
        let existing = try await locator.existingContainer(identity)
        let memory = existing?.hostConfig.memory.flatMap { $0 > 0 ? MemoryLimit(bytes: $0) : nil } ?? .defaultLimit
        let image = target.reference(for: identity)

        func result(containerID: String, url: String, upToDate: Bool, stageSeconds: [String: Double],
                    switchSeconds: Double? = nil) -> PublishResult {
            PublishResult(
                host: host.name, user: identity.user, site: identity.site, containerID: containerID,
                containerName: identity.containerName, image: image, digest: target.digest ?? "",
                version: target.version, url: url, memoryLimit: memory.bytes, upToDate: upToDate,
                stageSeconds: stageSeconds, switchSeconds: switchSeconds)
        }

        if target.running, let existing, let port = Publisher.publishedPort(of: existing) {
            let url = host.siteURL(labels: existing.labels, port: port) ?? host.url(port: port)
            events(.upToDate(url: url))
            return result(containerID: existing.id, url: url, upToDate: true, stageSeconds: [:])
        }
        guard let server = target.server.flatMap(ServerKind.init(rawValue:)) else {
            throw SiteOperationError.unknownServer(identity, host: host.name, version: target.version,
                                                   server: target.server)
        }
        let replacement = Replacement(host: host, engine: engine, probe: probe, logger: logger,
                                      identity: identity, existing: existing)
        var labels = identity.labels(digest: target.digest, version: target.version, server: server)
        labels[BerthLabel.checkPath] = target.checkPath
        let replaced = try await replacement.run(
            image: image, server: server, memory: memory, portRequest: .auto, labels: labels,
            checkTimeout: checkTimeout, checkPath: target.checkPath, timer: &timer)
        return result(containerID: replaced.containerID, url: replaced.url, upToDate: false,
                      stageSeconds: timer.seconds, switchSeconds: replaced.switchSeconds)
    }
}
