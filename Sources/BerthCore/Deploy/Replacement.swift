import Logging

/// Runs a new version of a site and, only once it serves, puts it in place of the previous one. Publish and
/// rollback both replace a site's container through here.
///
/// The new version first runs as `…--next` on a staging port, with restart policy "no" so that nothing ever brings
/// it back by itself, and is checked there while the previous version keeps serving. Only then does `Switchover`
/// move the site's name and port to a container of the same image: without an edge, one started beside the
/// staging container on the parking network, where it holds no port (`prepareFinal`). A version that fails its
/// check (or crashes, noticed at once) is removed and the previous one was never touched. A staging container
/// that passed its check has done its work: its removal begins at once and runs beside the switch.
struct Replacement {
    let host: DockerHost
    let engine: any ContainerEngine
    let probe: any SiteProbe
    let logger: Logger
    let identity: SiteIdentity
    let existing: ContainerInspect?
    /// How long the final container, whose version has already served on the staging port, may take to answer on
    /// the site's port.
    var finalCheckTimeout: Duration = .seconds(10)

    /// On the staging container: whether the previous version ran when the replacement began (`running`,
    /// `stopped` or `none`), so that recovering from a killed publish restores exactly that.
    static let previousStateLabel = "berth.replacing"

    struct Outcome {
        var containerID: String
        var url: String
        /// From stopping the previous container to the new one's first 200 on the site's port; nil when there was
        /// no previous container running.
        var switchSeconds: Double?
        /// The staging container's removal, begun once it passed its check (and the new container leaving the
        /// parking network); awaited before the site's lock is released.
        var stagingRemoval: Task<Void, Never>
    }

    /// What the new version is run with: the same for its staging container and its final one.
    struct Version {
        var image: String
        var server: ServerKind
        var memory: MemoryLimit
        var portRequest: PortRequest
        var labels: [String: String]
        var checkPath: String?

        /// The container of this version on `port`: with `restart` "no" for the staging one, which must never come
        /// back by itself, and bound where only berth's check asks it.
        func spec(on host: DockerHost, network: String, port: Int?, restart: RestartPolicy,
                  extraLabels: [String: String]) -> ContainerCreate {
            SiteContainerSpec.make(image: image, server: server, memory: memory, host: host, hostPort: port,
                                   labels: labels.merging(extraLabels) { _, new in new }, network: network,
                                   restartPolicy: restart, bindAddress: restart == .no ? host.directBindAddress : nil)
        }
    }

    /// A new version that has answered 200 on its staging port; the previous version has not been touched.
    struct Staged {
        var version: Version
        var url: String
        var stagingID: String
        /// The staging container's removal (killing it is most of the cost), begun as soon as it passed its
        /// check: the final container is a new one of the same image, so the staging one serves nothing more.
        /// Whoever ends the replacement awaits it. Behind an edge it begins only after the switch (nil until
        /// then): the staging container claims the site's names (`confirmClaim`) until the final one carries them.
        var removal: Task<Void, Never>?
        var network: String
        var sitePorts: [Int]
        var edgePlan: EdgePlan?
        /// The final container started ahead on the parking network (see `prepareFinal`), if it was.
        var prepared: String?

        func spec(on host: DockerHost, port: Int?, restart: RestartPolicy,
                  extraLabels: [String: String]) -> ContainerCreate {
            version.spec(on: host, network: network, port: port, restart: restart, extraLabels: extraLabels)
        }
    }

    func run(image: String, server: ServerKind, memory: MemoryLimit, portRequest: PortRequest,
             labels: [String: String], checkTimeout: Duration, checkPath: String? = nil,
             timer: inout StageTimer) async throws -> Outcome {
        let version = Version(image: image, server: server, memory: memory, portRequest: portRequest, labels: labels,
                              checkPath: checkPath)
        let staged = try await stage(version, checkTimeout: checkTimeout, timer: &timer)
        let outcome = try await switchOver(to: staged, timer: &timer)
        await outcome.stagingRemoval.value
        return outcome
    }

    /// Runs the new version as `…--next` on a staging port and checks it there (the run stage, and the check stage
    /// up to its switch). A version that fails is removed; the previous one was never touched.
    func stage(_ version: Version, checkTimeout: Duration, timer: inout StageTimer) async throws -> Staged {
        timer.start(.run, detail: host.name)
        async let ensuredNetwork = SiteNetwork(engine: engine).ensure()
        try await removeLeftover(named: identity.stagingContainerName)
        let network = try await ensuredNetwork
        let sitePorts = try await candidatePorts(version.portRequest)
        let previousState = existing.map { $0.state.running ? "running" : "stopped" } ?? "none"
        let edgePlan: EdgePlan?
        if host.edge != nil { edgePlan = try await planEdge(labels: version.labels) } else { edgePlan = nil }
        let avoided = Set(edgePlan?.reserved ?? Array(sitePorts.prefix(1)))
        // Without an edge, the final container starts beside the staging one, on the parking network where it holds
        // no port: the switch then only moves the port (see `prepareFinal`).
        async let preparedFinal = edgePlan == nil ? prepareFinal(version, ports: sitePorts) : nil
        let staging: (id: String, port: Int)
        do {
            staging = try await startStaging(avoiding: avoided) { [host] port in
                version.spec(on: host, network: network, port: port, restart: .no,
                             extraLabels: [Self.previousStateLabel: previousState])
            }
        } catch {
            await discardPrepared(await preparedFinal)
            throw error
        }
        let prepared = await preparedFinal
        if let edgePlan {
            do {
                try await confirmClaim(edgePlan.hostnames)
            } catch {
                await discard(staging.id, keepingLogs: false)
                throw error
            }
        }
        timer.finish(.run)

        let stagingURL = host.url(port: staging.port)
        timer.start(.check, detail: stagingURL)
        do {
            try await ServeCheck.whileRunning(staging.id, engine: engine, probe: probe,
                                              url: ServeCheck.url(stagingURL, path: version.checkPath),
                                              timeout: checkTimeout).run()
        } catch {
            let logs = await discard(staging.id)
            await discardPrepared(prepared)
            if error is CancellationError { throw error }
            throw PublishError.checkFailed(url: stagingURL, reason: ServeCheck.reason(for: error), logs: logs,
                                           previous: previousUntouched)
        }
        let removal = edgePlan == nil ? Task { [self] in _ = await discard(staging.id, keepingLogs: false) } : nil
        return Staged(version: version, url: stagingURL, stagingID: staging.id, removal: removal, network: network,
                      sitePorts: sitePorts, edgePlan: edgePlan, prepared: prepared)
    }

    /// Puts a staged version in place of the previous one (the rest of the check stage). The staging container's
    /// removal, begun by `stage`, runs on: the caller awaits `stagingRemoval` before it lets go of the site's lock.
    func switchOver(to staged: Staged, timer: inout StageTimer) async throws -> Outcome {
        let (version, checkPath) = (staged.version, staged.version.checkPath)
        let switched: Switchover.Outcome
        var url: String?
        do {
            if let edgePlan = staged.edgePlan {
                let switchover = EdgeSwitchover(
                    host: host, engine: engine, edge: edgePlan.controller, probe: probe, logger: logger,
                    identity: identity, previous: existing, hostname: edgePlan.hostnames[0],
                    checkTimeout: max(finalCheckTimeout, .seconds(30)), checkPath: checkPath)
                let moved = try await switchover.run(slots: edgePlan.slots, reserved: Set(edgePlan.reserved)) {
                    [host] port, slots in
                    staged.spec(on: host, port: port, restart: .unlessStopped,
                                extraLabels: edgePlan.labels(slots: slots))
                }
                switched = Switchover.Outcome(id: moved.id, port: moved.port, gapSeconds: moved.switchSeconds)
                url = host.siteURL(edgePlan.hostnames[0])
            } else {
                let switchover = Switchover(host: host, engine: engine, probe: probe, logger: logger,
                                            identity: identity, previous: existing, checkTimeout: finalCheckTimeout,
                                            checkPath: checkPath)
                switched = try await switchover.run(ports: staged.sitePorts, portRequest: version.portRequest,
                                                    prepared: staged.prepared.map { ($0, staged.network) }) {
                    [host] port in
                    staged.spec(on: host, port: port, restart: .unlessStopped, extraLabels: [:])
                }
            }
        } catch {
            await stagingRemoval(staged).value
            throw error
        }
        if let version = version.labels[BerthLabel.version] {
            // It has served on the site's port: it is a version one can roll back to now.
            _ = try? await engine.removeImage(identity.pendingReference(version: version))
        }
        timer.finish(.check)
        let removal = stagingRemoval(staged)
        let cleanup = switched.leavingParking.map { leaving in
            Task { await removal.value; await leaving.value }
        } ?? removal
        return Outcome(containerID: switched.id, url: url ?? host.url(port: switched.port),
                       switchSeconds: switched.gapSeconds, stagingRemoval: cleanup)
    }

    /// The staging container's removal: the one `stage` began, else (behind an edge) one begun now.
    private func stagingRemoval(_ staged: Staged) -> Task<Void, Never> {
        staged.removal ?? Task { [self] in _ = await discard(staged.stagingID, keepingLogs: false) }
    }

    /// Waits for the removal of a staged version that will not be switched to (the publish failed after staging
    /// it).
    func abandon(_ staged: Staged) async {
        await discardPrepared(staged.prepared)
        await stagingRemoval(staged).value
    }

    /// The new version's final container, created and started on the host's parking network while its staging
    /// container starts and is checked, so that the switch does not wait for a container to start: on the
    /// parking network alone the engine publishes none of its ports, and joining the sites' network at the
    /// switch publishes the site's port (`Switchover`). Only for a site whose running container holds one known
    /// port; nil whenever anything goes wrong, and the switch starts a final container as before.
    func prepareFinal(_ version: Version, ports: [Int]) async -> String? {
        guard let existing, existing.state.running, ports.count == 1 else { return nil }
        let (engine, identity, host, logger) = (engine, identity, host, logger)
        return await uncancelled {
            var created: String?
            do {
                let parking = try await SiteNetwork.parking(engine: engine).ensure()
                let id = try await engine.createContainer(
                    name: identity.preparedContainerName,
                    config: version.spec(on: host, network: parking, port: ports[0], restart: .unlessStopped,
                                         extraLabels: [:]))
                created = id
                try await engine.startContainer(id)
                return id
            } catch {
                logger.info("the final container was not started ahead; the switch starts it",
                            metadata: ["reason": "\(error)"])
                if let created { try? await engine.removeContainer(created, force: true) }
                return nil
            }
        }
    }

    /// Removes a final container started ahead for a version that will not be switched to.
    func discardPrepared(_ id: String?) async {
        guard let id else { return }
        await discard(id, keepingLogs: false)
    }

    /// How the site sits behind the host's edge: its names (from the labels the publish gives, else the ones it
    /// has, else its default name), its pair of upstream ports (the one it has, else two free ones), and the
    /// ports a staging container must not take.
    struct EdgePlan {
        var controller: EdgeController
        var hostnames: [EdgeHostname]
        var slots: [Int]
        var reserved: [Int]

        /// The labels of the site's container on `slots` (its pair, or one the switch had to change).
        func labels(slots: [Int]) -> [String: String] {
            [EdgeLabel.domains: EdgeLabel.value(hostnames), EdgeLabel.upstreams: EdgeLabel.value(slots: slots)]
        }
    }

    func planEdge(labels: [String: String]) async throws -> EdgePlan {
        let controller = try EdgeController(host: host, engine: engine, environment: [:], logger: logger)
        let hostnames = try EdgeLabel.hostnames(labels) ?? existing.flatMap { EdgeLabel.hostnames($0.labels) }
            ?? [EdgeHostname.defaultName(for: identity, domain: controller.settings.domain)]
        let containers = try await SiteLocator(host: host, engine: engine).allContainers()
        let reserved = EdgeRouteTable.reservedSlots(containers)
        if let slots = existing.flatMap({ EdgeLabel.slots($0.labels) }) {
            return EdgePlan(controller: controller, hostnames: hostnames, slots: slots,
                            reserved: Array(reserved.union(slots)))
        }
        let allocator = PortAllocator(engine: engine, host: host)
        let free = allocator.candidates(excluding: try await allocator.portsInUse().union(reserved))
        guard free.count >= 3 else { throw PublishError.noFreePort(host: host.name, range: host.ports) }
        let slots = Array(free.prefix(2))
        return EdgePlan(controller: controller, hostnames: hostnames, slots: slots, reserved: Array(reserved.union(slots)))
    }

    /// The publish checked its names against the edge's routes before it began, but two sites may add the same
    /// name at once. Each claims its names with its staging container (labelled with them) and then looks again:
    /// of two that overlap, the one that looks second sees the other's claim and gives way, so two sites never
    /// both switch to a name. (Both may give way; neither has switched then.) A staging container left by a
    /// killed publish claims nothing: only one whose site's lock is held.
    func confirmClaim(_ hostnames: [EdgeHostname]) async throws {
        for container in try await SiteLocator(host: host, engine: engine).allContainers()
        where container.identity != identity {
            let theirs = EdgeLabel.hostnames(container.summary.labels ?? [:]) ?? []
            guard let name = hostnames.first(where: theirs.contains) else { continue }
            if container.role == .staging {
                let lock = DeployLock(engine: engine, identity: container.identity)
                guard let holder = try await lock.currentHolder(), !lock.isStale(holder) else { continue }
            }
            throw EdgeError.hostnameClaimedMeanwhile(name, by: container.identity, host: host.name)
        }
    }

    /// The ports the site's container may have: the one asked for, else the one the site already has, else free
    /// ones from the range.
    func candidatePorts(_ request: PortRequest) async throws -> [Int] {
        if case .fixed(let port) = request { return [port] }
        if let existing, let port = Publisher.publishedPort(of: existing) { return [port] }
        let allocator = PortAllocator(engine: engine, host: host)
        let candidates = allocator.candidates(excluding: try await allocator.portsInUse())
        guard !candidates.isEmpty else { throw PublishError.noFreePort(host: host.name, range: host.ports) }
        return candidates
    }

    /// Starts the staging container on a free port of the host's range other than `avoiding` (the site's own),
    /// or on one the engine picks when the range has none left.
    ///
    /// On a host reached on loopback, where berth runs beside the engine, the engine picks the port at once: berth
    /// reaches any loopback port there, and finding a free one of the range costs a listing of every container and
    /// an inspection of each stopped site, most of the run stage on a host with many. A port it picks inside the
    /// range or among `avoiding` (its own range overlapping the host's) is given back and the range is searched.
    func startStaging(avoiding: Set<Int>, spec: (Int?) -> ContainerCreate) async throws -> (id: String, port: Int) {
        if host.directBindAddress == "127.0.0.1" {
            do {
                let started = try await startStaging(on: [nil], spec: spec)
                if !host.ports.contains(started.port), !avoiding.contains(started.port) { return started }
                await discard(started.id, keepingLogs: false)
            } catch let error as EngineError where error.isPortInUse {
                // Something outside the engine listens on the port it picked.
            }
        }
        let allocator = PortAllocator(engine: engine, host: host)
        let free = allocator.candidates(excluding: try await allocator.portsInUse().union(avoiding))
        return try await startStaging(on: Array(free.prefix(10)) + [nil], spec: spec)
    }

    /// What became of the previous version when the new one fails before the switch: nothing.
    private var previousUntouched: PreviousVersion {
        existing.map { .untouched(running: $0.state.running) } ?? .none
    }

    /// Starts the staging container on the first of `ports` it gets (nil: one the engine picks).
    private func startStaging(on ports: [Int?], spec: (Int?) -> ContainerCreate) async throws
        -> (id: String, port: Int)
    {
        var lastError: (any Error)?
        for port in ports {
            let id = try await engine.createContainer(name: identity.stagingContainerName, config: spec(port))
            do {
                try await SiteNetwork(engine: engine).startContainer(id)
            } catch let error as EngineError where error.isPortInUse {
                // Another publish took it meanwhile.
                lastError = error
                await discard(id)
                continue
            } catch {
                let logs = await discard(id)
                if error is CancellationError { throw error }
                throw PublishError.startFailed(reason: "\(error)", logs: logs, previous: previousUntouched)
            }
            var bound = port
            if bound == nil { bound = try? await publishedPort(of: id) }
            guard let port = bound else {
                // A container that exited at once (its server could not start) has no published port any more.
                let reason = await exitReason(of: id) ?? "the engine published no port for the new container"
                let logs = await discard(id)
                throw PublishError.startFailed(reason: reason, logs: logs, previous: previousUntouched)
            }
            return (id, port)
        }
        throw lastError ?? PublishError.noFreePort(host: host.name, range: host.ports)
    }

    /// Why a container is no longer simply running (as its check would say), or nil while it runs.
    private func exitReason(of id: String) async -> String? {
        do {
            try await ServeCheck.whileRunning(id, engine: engine, probe: probe, url: "", timeout: .zero)
                .stillWorthWaiting()
            return nil
        } catch {
            return ServeCheck.reason(for: error)
        }
    }

    /// The host port the engine bound for a container started with a port of its choosing.
    private func publishedPort(of id: String) async throws -> Int? {
        try await engine.inspectContainer(id)?.publishedHostPorts.first
    }

    /// A staging container left by an interrupted publish of this same site (recovery normally removed it).
    func removeLeftover(named name: String) async throws {
        guard let leftover = try await engine.inspectContainer(name) else { return }
        guard identity.owns(leftover.labels) else {
            throw PublishError.nameTaken(containerName: name, host: host.name, owner: nil)
        }
        try await engine.removeContainer(leftover.id, force: true)
    }

    /// Removes the staging container, keeping its last log lines (unless told not to), even when the publish was
    /// cancelled.
    @discardableResult
    func discard(_ id: String, keepingLogs: Bool = true) async -> [String] {
        let engine = engine
        return await uncancelled {
            let logs = keepingLogs ? await engine.lastLogLines(id) : []
            try? await engine.removeContainer(id, force: true)
            return logs
        }
    }
}
