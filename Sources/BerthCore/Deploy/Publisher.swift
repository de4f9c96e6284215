import Foundation
import Logging

/// Publishes a site on one host: pack, build, tag and push, run, check, and replace the previous version only
/// once the new one serves. A publish that fails at any step leaves the version that was serving running.
public struct Publisher: Sendable {
    public let host: DockerHost
    public let engine: DockerEngine
    /// Where the image is built when not on `host`: it is pushed from there and pulled by `host`.
    public let builder: (host: DockerHost, engine: DockerEngine)?
    public let templates: TemplateSet
    public let credentials: CredentialStore
    public let environment: [String: String]
    let probe: any SiteProbe
    let logger: Logger

    public init(host: DockerHost, engine: DockerEngine, builder: (host: DockerHost, engine: DockerEngine)? = nil,
                templates: TemplateSet, credentials: CredentialStore, environment: [String: String],
                logger: Logger = Logger(label: "berth.publish")) {
        self.host = host
        self.engine = engine
        self.builder = builder.flatMap { $0.host.name == host.name ? nil : $0 }
        self.templates = templates
        self.credentials = credentials
        self.environment = environment
        self.probe = HTTPSiteProbe.shared
        self.logger = logger
    }

    public typealias EventHandler = @Sendable (PublishEvent) -> Void

    public func publish(sitePath: String, options: PublishOptions, events: @escaping EventHandler) async throws
        -> PublishResult
    {
        var timer = StageTimer(events: events, logger: logger)

        // What is wrong with the site's settings is found before the engine is asked anything; what is wrong with
        // its files is found by the pack, which runs beside the engine's reads and whose errors come first.
        timer.start(.pack, detail: sitePath)
        let site = try Site.load(path: sitePath, dereference: options.dereference)
        let identity = try site.identity(name: options.siteName, user: options.user)
        let server = options.server ?? site.config.server ?? .nginx
        let memory = options.memory ?? site.config.memory ?? .defaultLimit
        let portRequest = options.port ?? site.config.port.map(PortRequest.fixed) ?? .auto
        let baseImage = try server.baseImage(override: options.baseImage, environment: environment)
        // Behind an edge the server logs the client address the edge saw (`X-Forwarded-For`), trusting it from the
        // site network's gateway only. Read (never created) before packing, so that the site is packed once.
        let knownGateway = host.edge == nil ? nil : (try? await SiteNetwork(engine: engine).existingGateway()) ?? nil
        var context = try site.buildContext(templates: templates, identity: identity, server: server,
                                            baseImage: baseImage, trustedProxy: knownGateway)
        // The running version's manifest is read while the site is packed (see `DeltaPrefetch`), and so is
        // everything the engine can say before the site's digest is known (see `SitePacking`).
        let wantsDelta = !site.config.precompress && environment[DeltaPlanner.switchVariable] != "off"
        let prefetching = Task { [engine] in wantsDelta ? await DeltaPrefetch.read(identity, from: engine) : nil }
        defer { prefetching.cancel() }
        if site.config.checkPath == nil, !site.tree.ships(file: "index.html") {
            events(.warning("\(sitePath) has no index.html at its root, so / has nothing to serve and the check "
                + "will fail; add one, or set check_path in berth.yml to a page the site has"))
        }
        let sizeWarning = LargeContextWarning.Once(tree: site.tree) { events(.warning($0)) }
        var packing = SitePacking(context, whenPacked: sizeWarning.check)
        defer { packing.cancel() }
        do {
            try await engine.ping()
            try await HostMemoryCheck.check(memory, on: host, engine: engine)
            if case .tcp = host.endpoint.transport, !host.endpoint.isLoopback {
                events(.warning("\(host.name)'s engine is reached over plain TCP (\(host.endpoint)): anyone who can "
                    + "reach that port controls its Docker; use TLS (a 'tls:' directory in the hosts file, or "
                    + "DOCKER_TLS_VERIFY)"))
            }
            try await builder?.engine.ping()
            let edge = try host.edge.map { _ throws -> EdgeController in
                try EdgeController(host: host, engine: engine, environment: environment, logger: logger)
            }
            try await edge?.requireRunning()
            if edge != nil, options.port != nil || site.config.port != nil {
                events(.warning("\(host.name) has an edge: the site is reached through it by name, and berth picks "
                    + "its two loopback ports itself; --port (or port: in berth.yml) is not used"))
            }
            if edge != nil, knownGateway == nil, let gateway = try await SiteNetwork(engine: engine).gateway() {
                // The network did not exist (or could not be read) before packing: packed again with its gateway.
                packing.cancel()
                context = try site.buildContext(templates: templates, identity: identity, server: server,
                                                baseImage: baseImage, trustedProxy: gateway)
                packing = SitePacking(context, whenPacked: sizeWarning.check)
            }
        } catch {
            throw await packing.reported(over: error)
        }
        // Everything from reading the site's current state to replacing it happens under the site's lock, so two
        // publishes of one site never interleave.
        let lock = DeployLock(engine: engine, identity: identity)
        let setup = PublishSetup(site: site, sitePath: sitePath, options: options, identity: identity, server: server,
                                 memory: memory, portRequest: portRequest, context: context, packing: packing,
                                 prefetching: prefetching, baseImage: baseImage.description)
        do {
            return try await lock.withLock(wait: options.lockWait, onWaiting: { holder in
                events(.waitingForLock(holder: holder.description))
            }) {
                try await publishLocked(setup, timer: &timer)
            }
        } catch {
            throw await packing.reported(over: error)
        }
    }

    /// A publish as settled before the site's digest is known: what `publishLocked` reads under the lock while
    /// the site is still packed.
    struct PublishSetup {
        var site: Site
        var sitePath: String
        var options: PublishOptions
        var identity: SiteIdentity
        var server: ServerKind
        var memory: MemoryLimit
        var portRequest: PortRequest
        var context: BuildContext
        var packing: SitePacking
        var prefetching: Task<DeltaPrefetch?, Never>
        var baseImage: String
    }

    /// What one publish will do: its setup and the packed site, settled before the engine's state is read.
    struct PublishPlan {
        var setup: PublishSetup
        var summary: ContextSummary
        /// The site's files as packed (the next publish's delta starts from it).
        var manifest: SiteManifest
        /// The running version as read while the site was packed.
        var deltaPrefetch: DeltaPrefetch?

        var checkPath: String? { setup.site.config.checkPath }
        /// berth.yml's `domains`.
        var siteDomains: [EdgeHostname] { setup.site.config.domains }
        /// berth.yml's `precompress`: the build derives files from the site's, so every publish is a full build.
        var precompress: Bool { setup.site.config.precompress }
    }

    private func publishLocked(_ setup: PublishSetup, timer: inout StageTimer) async throws -> PublishResult {
        let events = timer.events
        let (identity, options, memory, portRequest) = (setup.identity, setup.options, setup.memory, setup.portRequest)
        let buildEngine = builder?.engine ?? engine
        // Read while the site is still packed. The site's images before the build (see `FailedImageCleanup`) are
        // listed while the site is recovered: the recovery only removes images, and one it removes is not this
        // publish's to clean up either.
        async let siteImagesBefore = FailedImageCleanup.siteImages(identity, on: buildEngine)
        async let recoveredState = recoverAndRead(identity)
        let packed = try await setup.packing.value
        timer.finish(.pack, at: packed.finished)
        let plan = PublishPlan(setup: setup, summary: packed.summary, manifest: packed.manifest,
                               deltaPrefetch: await setup.prefetching.value)
        let summary = plan.summary
        let (recovered, existing) = try await recoveredState
        for action in recovered { events(.warning("recovered from an interrupted publish: \(action)")) }
        let hostnames = try await edgeHostnames(identity, options: options, siteDomains: plan.siteDomains)
        let registry = options.registry.flatMap { $0.isEmpty ? nil : $0 }
        let base = try await prepareBaseImage(plan.setup.baseImage, on: buildEngine, pull: options.pullBaseImage,
                                              registry: registry, timer: &timer)
        if let existing, existing.labels[EdgeLabel.domains] == hostnames.map(EdgeLabel.value),
           let result = upToDate(existing, identity: identity, digest: summary.digest, base: base,
                                 checkPath: plan.checkPath, memory: memory, portRequest: portRequest,
                                 stageSeconds: timer.seconds) {
            events(.upToDate(url: result.url))
            return result
        }

        if let builder, registry == nil {
            throw PublishError.invalidOption(
                "building on \(builder.host.name) for \(host.name) needs a registry to carry the image: "
                    + "pass --registry, set BERTH_REGISTRY, or name one in the hosts file")
        }
        let repository = identity.repository(registry: registry)
        let version = options.tag ?? base.version(of: summary, checkPath: plan.checkPath)
        let image = "\(repository):\(version)"
        // Read while the registry's credentials are checked: whether this version's image exists.
        async let imageBefore = buildEngine.inspectImage(image)
        let registryAuth = try await registryAuthHeader(registry, checkedBy: buildEngine)
        var labels = identity.labels(digest: summary.digest, version: version, server: plan.setup.server)
            .merging(base.labels) { _, base in base }
        labels[BerthLabel.checkPath] = plan.checkPath
        labels[EdgeLabel.domains] = hostnames.map(EdgeLabel.value)
        // The Dockerfile carries the labels that do not change; the build adds the digest, the base image, the
        // version and the check path.
        var buildLabels = base.labels
        buildLabels[BerthLabel.digest] = summary.digest
        buildLabels[BerthLabel.version] = version
        buildLabels[BerthLabel.checkPath] = plan.checkPath
        buildLabels[DeltaLabel.recipe] = plan.setup.context.recipeDigest
        if let tag = options.tag {
            var hosts: [(name: String, engine: DockerEngine)] = [(host.name, engine)]
            if let builder { hosts.append((builder.host.name, builder.engine)) }
            let registryClient = try registry.map { RegistryClient(registry: $0, credentials: try credentials.credentials(for: $0)) }
            try await VersionTagCheck(identity: identity, tag: tag, digest: summary.digest, logger: logger)
                .check(hosts: hosts, registry: registryClient)
        }

        // An image this publish makes is removed again if the publish fails, so that a broken build never counts
        // as a kept version; one that already existed (the same content published before) is left alone.
        let madeImage = FailedImageCleanup(image: image, pendingMark: identity.pendingReference(version: version),
                                           engines: [buildEngine] + (builder == nil ? [] : [engine]),
                                           existedBefore: try await imageBefore != nil,
                                           buildEngine: buildEngine, identity: identity,
                                           siteImagesBefore: try await siteImagesBefore)
        // A version this publish makes is marked pending from its build on the host (or its pull there) until it
        // serves, so that if this publish is killed it is never taken for a version that served.
        let pendingMark = madeImage.existedBefore ? [] : [identity.pendingReference(version: version)]

        timer.start(.build, detail: builder.map { "\(image) on \($0.host.name)" } ?? image)
        // `latest` moves only once the new version serves (see `markLatest`).
        let buildOptions = BuildOptions(tags: [image] + (builder == nil ? pendingMark : []), labels: buildLabels)
        let deltaPlan = await DeltaPlanner(host: host, engine: engine, environment: environment).plan(
            existing: existing, recipe: plan.setup.context.recipeDigest, base: base, manifest: plan.manifest,
            versionExists: madeImage.existedBefore, precompress: plan.precompress, prefetched: plan.deltaPrefetch)
        var imagePath = deltaPlan.choice
        // A delta is made where the running version's layers are: on the target, even with a build host.
        var imageEngine = buildEngine
        let replaced: Replacement.Outcome
        // The site's images for `--keep` (see `removeOldVersions`), listed once the new one is on the host.
        var listedForPruning: Task<[ImageSummary]?, Never>?
        do {
            if let basis = deltaPlan.basis {
                do {
                    let made = try await DeltaImage(basis: basis, siteRoot: plan.setup.context.tree.root,
                                                    sitePath: plan.setup.sitePath)
                        .make(on: engine, labels: buildLabels, tags: [image] + pendingMark)
                    for (stage, seconds) in made.seconds { timer.record(stage, seconds: seconds) }
                    imageEngine = engine
                } catch let refusal as DeltaRefusal {
                    imagePath = .full("\(refusal); built in full instead")
                }
            }
            events(.imagePath(imagePath))
            if imagePath.path == .full {
            let stream = try await BuildCacheRace.retrying(warn: { events(.warning($0)) }) { _ in
                let stream = plan.setup.context.stream()
                let upload = CountedUpload(stream) { sent in
                    events(.progress(.build, EngineProgress(id: nil, status: EngineProgress.sendingContext,
                                                            current: sent, total: summary.byteCount)))
                }
                for try await event in buildEngine.build(context: upload, options: buildOptions) {
                    switch event {
                    case .output(let text): events(.buildOutput(text))
                    case .progress(let progress): events(.progress(.build, progress))
                    case .built: break
                    }
                }
                return stream
            }
            // The digest labels the image; if the files changed between the two passes it would label other content.
            guard stream.summary?.digest == summary.digest else {
                throw PublishError.siteChangedDuringPublish(site: plan.setup.sitePath)
            }
            }
            timer.finish(.build)

            let replacement = Replacement(host: host, engine: engine, probe: probe, logger: logger,
                                          identity: identity, existing: existing)
            let newVersion = Replacement.Version(image: image, server: plan.setup.server, memory: memory,
                                                 portRequest: portRequest, labels: labels, checkPath: plan.checkPath)
            let staged: Replacement.Staged
            if let registry, builder == nil || imagePath.path == .delta {
                listedForPruning = listSiteImages(identity)
                // The image is already on the target: its push and its staged check do not wait for each other.
                staged = try await PushWhileStaging(replacement: replacement, version: newVersion,
                                                    checkTimeout: options.checkTimeout)
                    .run(push: { [self, imageEngine] events in
                        try await push(repository: repository, tag: version, from: imageEngine,
                                       registryAuth: registryAuth, events: events)
                    }, detail: registry, timer: &timer)
            } else {
                if let registry {
                    timer.start(.push, detail: registry)
                    try await push(repository: repository, tag: version, from: imageEngine,
                                   registryAuth: registryAuth, events: events)
                    timer.finish(.push)
                }
                if builder != nil && imagePath.path == .full {
                    timer.start(.pull, detail: "\(image) to \(host.name)")
                    for try await event in engine.pull(image: repository, tag: version, registryAuth: registryAuth) {
                        if case .progress(let progress) = event { events(.progress(.pull, progress)) }
                    }
                    if !pendingMark.isEmpty {
                        try await engine.tagImage(image, repository: identity.pendingRepository, tag: version)
                    }
                    timer.finish(.pull)
                }
                listedForPruning = listSiteImages(identity)
                staged = try await replacement.stage(newVersion, checkTimeout: options.checkTimeout, timer: &timer)
            }
            replaced = try await replacement.switchOver(to: staged, timer: &timer)
        } catch {
            listedForPruning?.cancel()
            await madeImage.remove()
            throw error
        }
        // What follows the switch runs side by side, once `latest` names the new version on the hosts: pushing
        // `latest`, removing versions beyond --keep, and (begun after the staging check) removing the staging
        // container.
        let latestTagged = await tagLatest(image: image, repository: repository, buildEngine: imageEngine,
                                           events: events)
        async let latestPushed: Void = latestTagged && registry != nil
            ? pushLatest(repository: repository, buildEngine: imageEngine, registryAuth: registryAuth, events: events)
            : ()
        let removedVersions = await removeOldVersions(identity, keep: options.keepVersions,
                                                      listed: await listedForPruning?.value,
                                                      moved: ["\(repository):latest"], events: events)
        await latestPushed
        await replaced.stagingRemoval.value
        if let builder {
            await SiteControl(host: builder.host, engine: builder.engine).removeBuildImages(of: identity, events: events)
        }
        return PublishResult(
            host: host.name, user: identity.user, site: identity.site, containerID: replaced.containerID,
            containerName: identity.containerName, image: image, digest: summary.digest, version: version,
            url: replaced.url, memoryLimit: memory.bytes, upToDate: false, stageSeconds: timer.seconds,
            removedVersions: removedVersions, switchSeconds: replaced.switchSeconds, imagePath: imagePath)
    }

    /// Recovers the site from an interrupted publish (see `SiteRecovery`), then reads its current container.
    private func recoverAndRead(_ identity: SiteIdentity) async throws
        -> (recovered: [String], existing: ContainerInspect?)
    {
        let recovered = try await SiteRecovery(host: host, engine: engine, identity: identity, logger: logger).recover()
        return (recovered, try await existingContainer(identity))
    }

    /// The site's current container, if any. A container of that name that is not this site's is never touched.
    func existingContainer(_ identity: SiteIdentity) async throws -> ContainerInspect? {
        try await SiteLocator(host: host, engine: engine).existingContainer(identity)
    }

    /// The base image as the building engine has it. It is pulled first with `pull`, or when the engine does not
    /// have it (the build would pull it anyway, and its ID must be known before the build labels the image).
    func prepareBaseImage(_ reference: String, on buildEngine: DockerEngine, pull: Bool, registry: String?,
                          timer: inout StageTimer) async throws -> BaseImage {
        if !pull, let present = try await BaseImage.present(reference, on: buildEngine) { return present }
        let auth = try BaseImage.registryAuth(for: reference, publishRegistry: registry, credentials: credentials)
        timer.start(.pull, detail: "\(reference) on \((builder?.host ?? host).name)")
        let base: BaseImage
        do {
            base = try await BaseImage.pull(reference, to: buildEngine, registryAuth: auth, events: timer.events)
        } catch let error as EngineError {
            throw BaseImagePullError(reference: reference, host: (builder?.host ?? host).name, reason: "\(error)",
                                     requested: pull)
        }
        timer.finish(.pull)
        return base
    }

    /// A result when the running container already serves this exact content, built on this very base image,
    /// with these settings (the same `check_path` too: it is its image's label, and checks it on start and
    /// rollback).
    func upToDate(_ container: ContainerInspect, identity: SiteIdentity, digest: String, base: BaseImage,
                  checkPath: String?, memory: MemoryLimit, portRequest: PortRequest, stageSeconds: [String: Double])
        -> PublishResult?
    {
        guard container.state.running, container.labels[BerthLabel.digest] == digest, base.isBase(of: container.labels),
              container.labels[BerthLabel.checkPath] == checkPath, container.hostConfig.memory == memory.bytes,
              let port = Self.publishedPort(of: container)
        else { return nil }
        if case .fixed(let wanted) = portRequest, wanted != port { return nil }
        return PublishResult(
            host: host.name, user: identity.user, site: identity.site, containerID: container.id,
            containerName: identity.containerName, image: container.config.image ?? "",
            digest: digest, version: container.labels[BerthLabel.version] ?? "",
            url: host.siteURL(labels: container.labels, port: port) ?? host.url(port: port),
            memoryLimit: memory.bytes, upToDate: true, stageSeconds: stageSeconds)
    }

    /// Keeps the newest `keep` versions' images once the new version serves. A failure here does not fail the
    /// publish: the site serves, and what was left is named in a warning.
    ///
    /// The site's images may have been `listed` before the switch, while the new version started (listing every
    /// image takes the engine a tenth of a second or more): between then and now only the new version's pending
    /// mark and the `moved` names (`latest`, already moved to the new version) change.
    func removeOldVersions(_ identity: SiteIdentity, keep: Int, listed: [ImageSummary]? = nil,
                           moved: Set<String> = [], events: EventHandler) async -> [String] {
        do {
            return try await SiteControl(host: host, engine: engine)
                .removeVersions(of: identity, beyond: keep, images: listed, movedNames: moved)
                .map(\.version)
        } catch {
            events(.warning("the new version serves, but older versions were not all removed: \(error)"))
            return []
        }
    }

    private func push(repository: String, tag: String, from pusher: DockerEngine, registryAuth: String,
                      events: EventHandler) async throws {
        for try await event in pusher.push(repository: repository, tag: tag, registryAuth: registryAuth) {
            switch event {
            case .progress(let progress): events(.progress(.push, progress))
            case .pushed(_, let digest, _): events(.pushed(reference: "\(repository):\(tag)", digest: digest))
            }
        }
    }

    /// Points `latest` at the version that now serves, on the hosts (then `pushLatest` in the registry). The site
    /// already serves, so a failure here is a warning, not a failed publish. Returns whether it moved.
    private func tagLatest(image: String, repository: String, buildEngine: DockerEngine,
                           events: EventHandler) async -> Bool {
        do {
            try await engine.tagImage(image, repository: repository, tag: "latest")
            if builder != nil { try await buildEngine.tagImage(image, repository: repository, tag: "latest") }
            return true
        } catch {
            events(.warning("the new version serves, but \(repository):latest could not be moved to it: \(error)"))
            return false
        }
    }

    private func pushLatest(repository: String, buildEngine: DockerEngine, registryAuth: String,
                            events: EventHandler) async {
        do {
            try await push(repository: repository, tag: "latest", from: buildEngine, registryAuth: registryAuth,
                           events: events)
        } catch {
            events(.warning("the new version serves, but \(repository):latest could not be moved to it: \(error)"))
        }
    }

    /// The site's images on the host, listed beside what follows (nil when the engine could not say).
    private func listSiteImages(_ identity: SiteIdentity) -> Task<[ImageSummary]?, Never> {
        Task { [engine] in try? await SiteLocator.siteImages(identity, on: engine) }
    }

    /// With an edge on the host: the site's names, its default one first, none of them served by another site
    /// there. nil without an edge.
    func edgeHostnames(_ identity: SiteIdentity, options: PublishOptions, siteDomains: [EdgeHostname]) async throws
        -> [EdgeHostname]?
    {
        guard let settings = host.edge else { return nil }
        var names = [try EdgeHostname.defaultName(for: identity, domain: settings.domain)]
        for name in options.domains + siteDomains where !names.contains(name) { names.append(name) }
        let table = try await EdgeController(host: host, engine: engine, environment: environment).routeTable()
        for name in names {
            if let owner = table.owner(of: name), owner != identity {
                throw EdgeError.hostnameTaken(name, owner: owner, host: host.name)
            }
        }
        return names
    }

    static func publishedPort(of container: ContainerInspect) -> Int? {
        let bindings = (container.hostConfig.portBindings ?? [:]).values.compactMap { $0 }.flatMap { $0 }
        return bindings.lazy.compactMap { $0.hostPort.flatMap(Int.init) }.first
    }

    /// The `X-Registry-Auth` value for pushing; credentials are checked with the registry before anything is built.
    func registryAuthHeader(_ registry: String?, checkedBy checker: DockerEngine) async throws -> String {
        guard let registry else { return DockerEngine.anonymousRegistryAuth }
        guard let found = try credentials.credentials(for: registry) else {
            // Without credentials, ask the registry whether it needs some, so that a push is not refused after the
            // build.
            try await RegistryClient(registry: registry, credentials: nil).checkOpenToAnonymous(logger: logger)
            return DockerEngine.anonymousRegistryAuth
        }
        try await checker.checkRegistryLogin(registry: registry, credentials: found)
        return RegistryAuthHeader.value(for: found, registry: registry)
    }
}

/// Seconds per stage, and the start/finish events the CLI shows.
struct StageTimer {
    let events: Publisher.EventHandler
    let logger: Logger
    private let clock = ContinuousClock()
    private var started: [PublishStage: ContinuousClock.Instant] = [:]
    private(set) var seconds: [String: Double] = [:]

    init(events: @escaping Publisher.EventHandler, logger: Logger) {
        self.events = events
        self.logger = logger
    }

    mutating func start(_ stage: PublishStage, detail: String) {
        started[stage] = clock.now
        logger.info("\(stage.rawValue) started", metadata: ["detail": "\(detail)"])
        events(.stageStarted(stage, detail: detail))
    }

    /// Seconds of a part of a stage (a delta's layer and load), for the result's split of the time.
    mutating func record(_ part: String, seconds value: Double) {
        seconds[part] = (value * 1000).rounded() / 1000
    }

    /// Takes over the stages another timer measured (beside this one), and the ones it started and left open.
    mutating func merge(_ other: StageTimer) {
        started.merge(other.started) { _, theirs in theirs }
        seconds.merge(other.seconds) { _, theirs in theirs }
    }

    /// Ends a stage now, or at the instant it ended when that was noticed later.
    mutating func finish(_ stage: PublishStage, at end: ContinuousClock.Instant? = nil) {
        guard let start = started[stage] else { return }
        let elapsed = (end ?? clock.now) - start
        let value = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        seconds[stage.rawValue] = (value * 1000).rounded() / 1000
        logger.info("\(stage.rawValue) finished", metadata: ["seconds": "\(seconds[stage.rawValue] ?? 0)"])
        events(.stageFinished(stage, seconds: seconds[stage.rawValue] ?? 0))
    }
}

/// The image a publish built, removed again when the publish fails.
struct FailedImageCleanup: Sendable {
    let image: String
    /// The tag that marks it pending (see `SiteIdentity.pendingRepository`).
    let pendingMark: String
    let engines: [DockerEngine]
    let existedBefore: Bool
    let buildEngine: DockerEngine
    let identity: SiteIdentity
    /// The IDs of the site's images on the build engine before the build.
    let siteImagesBefore: Set<String>

    static func siteImages(_ identity: SiteIdentity, on engine: DockerEngine) async throws -> Set<String> {
        Set(try await engine.listImages(labelFilters: identity.labels.map { "\($0.key)=\($0.value)" }).map(\.id))
    }

    /// Untags (and so deletes, when nothing else names it) the image on every engine that got it, even when the
    /// publish was cancelled. A build cut off midway leaves no tagged image but an untagged one of its last step,
    /// which carries the site's labels (its Dockerfile's LABEL line came before) and so would count as a version:
    /// new untagged images of the site are removed too. The engine stops a cut-off build a moment later (until
    /// then its step's container holds that image), so this looks again for a few seconds.
    func remove(settling: Duration = .seconds(15)) async {
        let (image, pendingMark, engines, existedBefore) = (image, pendingMark, engines, existedBefore)
        let (buildEngine, identity, before) = (buildEngine, identity, siteImagesBefore)
        await uncancelled {
            if !existedBefore {
                for engine in engines {
                    _ = try? await engine.removeImage(image, force: false)
                    _ = try? await engine.removeImage(pendingMark, force: false)
                }
            }
            let deadline = ContinuousClock.now + settling
            while true {
                guard let now = try? await buildEngine.listImages(
                    labelFilters: identity.labels.map { "\($0.key)=\($0.value)" }) else { return }
                let leftovers = now.filter { candidate in
                    let tags = (candidate.repoTags ?? []).filter { $0 != "<none>:<none>" }
                    return !before.contains(candidate.id)
                        && (tags.isEmpty || (!existedBefore && Set(tags).isSubset(of: [image, pendingMark])))
                }
                if leftovers.isEmpty { return }
                for leftover in leftovers {
                    _ = try? await buildEngine.removeImage(leftover.id, force: false)
                }
                guard ContinuousClock.now < deadline else { return }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
