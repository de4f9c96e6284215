import Logging

/// What `stop` or `start` did to a site.
public struct SiteActionResult: Sendable, Codable, Equatable {
    public var host: String
    public var user: String
    public var site: String
    public var containerID: String
    public var containerName: String
    /// The state after the action.
    public var state: SiteState
    public var url: String?
    /// False when the site already was in the state asked for.
    public var changed: Bool
}

/// What `rm` removed.
public struct SiteRemoval: Sendable, Codable, Equatable {
    public var host: String
    public var user: String
    public var site: String
    /// nil when the site had no container any more and only its images were removed.
    public var containerID: String?
    public var containerName: String
    /// The versions whose images were removed (with `--images`).
    public var removedVersions: [String]
    /// The references deleted from registries (with `--registry`), `REGISTRY/USER/SITE:TAG`.
    public var removedFromRegistry: [String]?
}

/// Stops, starts and removes a site's container on one host, and removes its images. Only containers and
/// images berth labelled as that site's are ever acted on.
public struct SiteControl: Sendable {
    public let host: DockerHost
    public let engine: any ContainerEngine
    let probe: any SiteProbe

    public init(host: DockerHost, engine: any ContainerEngine, probe: any SiteProbe = HTTPSiteProbe.shared) {
        self.host = host
        self.engine = engine
        self.probe = probe
    }

    var locator: SiteLocator { SiteLocator(host: host, engine: engine) }
    static let logger = Logger(label: "berth.site")

    /// Stops the site's container; it stays stopped (also across daemon restarts) until `start`. A site left
    /// half-replaced by a killed publish is recovered first.
    public func stop(site: String, user: String?, lockWait: Duration = .seconds(120)) async throws
        -> SiteActionResult
    {
        try await withRecoveredSite(site: site, user: user, lockWait: lockWait) { container in
            try await engine.stopContainer(container.id, timeoutSeconds: 10)
            await updateEdge(after: "stop")
            return try await result(for: container, changed: container.isRunning)
        }
    }

    /// Starts the site's container and waits until it answers 200 on `/`. A site left half-replaced by a killed
    /// publish is recovered first, so a leftover never holds its port.
    public func start(site: String, user: String?, checkTimeout: Duration, lockWait: Duration = .seconds(120))
        async throws -> SiteActionResult
    {
        try await withRecoveredSite(site: site, user: user, lockWait: lockWait) { container in
            let restartsBefore = try await engine.inspectContainer(container.id)?.restartCount ?? 0
            do {
                try await engine.startContainer(container.id)
            } catch let error as EngineError where error.isPortInUse {
                let port = try await engine.inspectContainer(container.id).flatMap(Publisher.publishedPort(of:))
                var holder: String?
                if let port { holder = await PortAllocator(engine: engine, host: host).holder(of: port) }
                throw SiteOperationError.portInUse(container.identity, host: host.name, port: port, holder: holder,
                                                   message: error.description)
            }
            let result = try await result(for: container, changed: !container.isRunning)
            guard let published = try await engine.inspectContainer(container.id).flatMap(Publisher.publishedPort(of:))
            else {
                throw SiteOperationError.noPublishedPort(container.identity, host: host.name)
            }
            // Checked on its own port; through the edge, once the edge routes it again.
            let url = host.edge == nil ? (result.url ?? host.url(port: published)) : host.url(port: published)
            let checkPath = container.summary.labels?[BerthLabel.checkPath].flatMap {
                SiteConfig.isValidCheckPath($0) ? $0 : nil
            }
            let check = ServeCheck.whileRunning(container.id, engine: engine, probe: probe,
                                                url: ServeCheck.url(url, path: checkPath), timeout: checkTimeout,
                                                restartsBefore: restartsBefore)
            do {
                if let settings = host.edge, let name = EdgeLabel.hostnames(container.summary.labels ?? [:])?.first {
                    // Behind an edge the port is the host's loopback: the check goes through the edge, once it
                    // routes the site again.
                    try await EdgeController(host: host, engine: engine, environment: [:]).apply()
                    try await EdgeProbe(address: host.address, port: settings.httpsPort)
                        .waitFor200(name, path: checkPath ?? "/", timeout: checkTimeout) {
                            try await check.stillWorthWaiting()
                        }
                } else {
                    try await check.run()
                }
            } catch {
                throw SiteOperationError.notServing(
                    container.identity, host: host.name, url: url, reason: ServeCheck.reason(for: error),
                    logs: await engine.lastLogLines(container.id))
            }
            await updateEdge(after: "start")
            return result
        }
    }

    /// Runs `body` on the site's container holding the site's deploy lock, after recovering the site from a
    /// killed publish if one left it half-replaced.
    private func withRecoveredSite(site: String, user: String?, lockWait: Duration,
                                   _ body: (SiteContainer) async throws -> SiteActionResult) async throws
        -> SiteActionResult
    {
        let identity = try await locator.identity(site: site, user: user)
        return try await DeployLock(engine: engine, identity: identity).withLock(wait: lockWait) {
            for action in try await SiteRecovery(host: host, engine: engine, identity: identity).recover() {
                Self.logger.warning("recovered from an interrupted publish: \(action)",
                                    metadata: ["site": "\(identity)", "host": "\(host.name)"])
            }
            guard let container = try await locator.containers(user: identity.user, site: identity.site).first else {
                let known = try await locator.containers(user: user).map(\.identity.description)
                throw SiteLookupError.notFound(site: site, user: user, host: host.name, known: known)
            }
            return try await body(container)
        }
    }

    /// Removes the site's container (and whatever an interrupted publish left beside it) and, with
    /// `removeImages`, the images of all its versions (a site whose container is already gone is then found by
    /// its images). Takes the site's deploy lock (waiting at most `lockWait`), so a publish or rollback under way
    /// is never cut off halfway.
    ///
    /// With `registryCopies`, the site's copies in the registries its images were pushed to (and the configured
    /// one) are deleted too, once the host's are gone.
    public func remove(site: String, user: String?, removeImages: Bool, registryCopies: RegistryCopies? = nil,
                       lockWait: Duration = .seconds(120)) async throws -> SiteRemoval {
        let identity = removeImages
            ? try await locator.history(site: site, user: user).identity
            : try await locator.identity(site: site, user: user)
        return try await DeployLock(engine: engine, identity: identity).withLock(wait: lockWait) {
            // Read again under the lock: a publish that held it may have replaced the container or added a version.
            let recovery = SiteRecovery(host: host, engine: engine, identity: identity)
            let found = try await recovery.containers()
            for leftover in [found.staging, found.prepared, found.parked].compactMap({ $0 }) {
                try await engine.removeContainer(leftover.id, force: true)
            }
            if let container = found.site {
                try await engine.removeContainer(container.id, force: true)
            }
            await updateEdge(after: "rm")
            _ = await recovery.removeUncheckedVersions(keeping: nil)
            let versions = removeImages ? try await locator.history(of: identity).versions : []
            let (removed, failures) = await deleteImages(of: versions)
            guard failures.isEmpty else {
                throw SiteOperationError.imagesNotRemoved(identity, host: host.name, failures: failures)
            }
            var removal = SiteRemoval(host: host.name, user: identity.user, site: identity.site,
                                      containerID: (found.site ?? found.parked)?.id,
                                      containerName: identity.containerName, removedVersions: removed.map(\.version))
            if let registryCopies {
                removal.removedFromRegistry = try await registryCopies.delete(identity, versions: versions,
                                                                              removedFromHost: removal)
            }
            return removal
        }
    }

    /// Removes the images of the site's versions beyond the newest `keep`, never the one its container uses.
    /// Returns the versions removed.
    ///
    /// - Parameters:
    ///   - images: the site's images as listed earlier (a publish lists them while its new version starts); nil:
    ///     listed now.
    ///   - movedNames: names that may have moved to another image since `images` were listed (a publish's
    ///     `latest`): never removed through a version that had them then.
    public func removeVersions(of identity: SiteIdentity, beyond keep: Int, images: [ImageSummary]? = nil,
                               movedNames: Set<String> = []) async throws -> [SiteVersion] {
        let history = try await locator.history(of: identity, images: images)
        let beyond = history.versionsBeyond(keep: keep).map { version in
            var version = version
            version.tags.removeAll(where: movedNames.contains)
            return version
        }
        let (removed, failures) = await deleteImages(of: beyond)
        guard failures.isEmpty else {
            throw SiteOperationError.imagesNotRemoved(identity, host: host.name, failures: failures)
        }
        return removed
    }

    /// After a publish built on this host for another one: removes the site's images here (what it built, and
    /// what earlier publishes left), since this host does not run the site and `--keep` and `rm --images` act on
    /// the host that does. A host that also runs the site keeps its images. A failure is a warning.
    func removeBuildImages(of identity: SiteIdentity, events: @escaping Publisher.EventHandler) async {
        await uncancelled {
            do {
                let history = try await locator.history(of: identity)
                guard history.container == nil else { return }
                let (_, failures) = await deleteImages(of: history.versions)
                if !failures.isEmpty {
                    events(.warning("the new version serves, but images built on \(host.name) were not all removed: "
                        + failures.joined(separator: "; ")))
                }
            } catch {
                events(.warning("the new version serves, but the images built on \(host.name) were not removed: \(error)"))
            }
        }
    }

    /// Removes each version's image by its names: removing the last name deletes the image, while an image a
    /// container still uses is refused by the daemon and reported. Returns what went and one line per failure.
    func deleteImages(of versions: [SiteVersion]) async -> (removed: [SiteVersion], failures: [String]) {
        var removed: [SiteVersion] = []
        var failures: [String] = []
        for version in versions {
            var failed = false
            for name in version.tags.isEmpty ? [version.imageID] : version.tags {
                do {
                    try await engine.removeImage(name)
                } catch EngineError.notFound {
                    continue
                } catch {
                    failures.append("\(version.version) (\(name)): \(error)")
                    failed = true
                }
            }
            if !failed { removed.append(version) }
        }
        return (removed, failures)
    }

    /// Gives the host's edge (if it has one) the routes the sites' containers call for now: a stopped site's names
    /// answer 503, a removed site's go. The site's own change has happened: a failure here is a warning.
    private func updateEdge(after action: String) async {
        guard host.edge != nil else { return }
        do {
            try await EdgeController(host: host, engine: engine, environment: [:]).apply()
        } catch {
            Self.logger.warning("the site's container changed (\(action)), but the edge's routes were not updated: \(error)",
                                metadata: ["host": "\(host.name)"])
        }
    }

    private func result(for container: SiteContainer, changed: Bool) async throws -> SiteActionResult {
        guard let details = try await engine.inspectContainer(container.id) else {
            throw EngineError.notFound("container \(container.identity.containerName) (it was removed meanwhile)")
        }
        return SiteActionResult(
            host: host.name, user: container.identity.user, site: container.identity.site, containerID: details.id,
            containerName: details.plainName, state: SiteState(dockerState: details.state.status),
            url: host.siteURL(labels: details.labels, port: Publisher.publishedPort(of: details)), changed: changed)
    }
}
