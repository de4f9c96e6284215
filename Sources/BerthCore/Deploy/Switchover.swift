import Logging

/// Moves a site's name and port from its current container to a new container of a version that has already
/// served on a staging port. This is the one place where the site stops answering: from stopping the previous
/// container to the new one's first 200 on the site's port, a window that is measured and reported.
///
/// The previous container is parked under `parkedContainerName` (while it still runs) so that the new one can be
/// created (or, started ahead on the parking network, renamed) under the site's name beforehand; removing the
/// parked container is the commit. Until then every failure, and a later recovery after a killed publish, puts
/// the parked container back.
struct Switchover {
    let host: DockerHost
    let engine: any ContainerEngine
    let probe: any SiteProbe
    let logger: Logger
    let identity: SiteIdentity
    let previous: ContainerInspect?
    let checkTimeout: Duration
    /// The path the final check asks for on the site's port (a validated `check_path`); `/` when nil.
    var checkPath: String? = nil

    /// How many of a first publish's candidate ports it tries. The candidates were free when they were listed;
    /// publishes running at the same time (ten at once through `berth serve`) take the lowest of them for their own
    /// and their staging containers meanwhile, so a publish may have to go past twice as many ports as run beside it.
    static let portAttempts = 100

    struct Outcome {
        var id: String
        var port: Int
        var gapSeconds: Double?
        /// The site's new container leaving the parking network, when it was started there; to be awaited before
        /// the site's lock is released.
        var leavingParking: Task<Void, Never>?
    }

    /// - Parameters:
    ///   - ports: where the site's container may publish, best first (one port when the site has one).
    ///   - prepared: the new version's final container, already running on the parking network (see
    ///     `Replacement.prepareFinal`), and the sites' network it joins to take the port. The switch owns it: it
    ///     is the site's container afterwards, or removed.
    ///   - spec: the new container on a port.
    func run(ports: [Int], portRequest: PortRequest, prepared: (id: String, siteNetwork: String)? = nil,
             spec: (Int) -> ContainerCreate) async throws -> Outcome {
        let wasRunning = previous?.state.running ?? false
        if let prepared {
            if let previous, wasRunning, ports.count == 1,
               let ready = try? await engine.inspectContainer(prepared.id), ready.state.running,
               ready.state.status != "restarting", (ready.restartCount ?? 0) == 0 {
                return try await takeOver(from: previous, prepared: prepared.id, siteNetwork: prepared.siteNetwork,
                                          port: ports[0])
            }
            // It stopped, or is not needed after all: the switch starts a final container as before.
            try? await engine.removeContainer(prepared.id, force: true)
        }
        if let previous {
            try await engine.renameContainer(previous.id, to: identity.parkedContainerName)
        }
        let clock = ContinuousClock()
        var stoppedAt: ContinuousClock.Instant?
        var stopSeconds: Double?
        var lastPortError: EngineError?
        for port in ports.prefix(Self.portAttempts) {
            let id: String
            do {
                id = try await engine.createContainer(name: identity.containerName, config: spec(port))
            } catch {
                throw await putBack(nil, wasRunning: wasRunning, stopped: stoppedAt != nil, failure: error, logs: [])
            }
            do {
                if let previous, wasRunning, stoppedAt == nil {
                    let stopping = clock.now
                    stoppedAt = stopping
                    try await engine.stopContainer(previous.id, timeoutSeconds: 10)
                    stopSeconds = Self.seconds(clock.now - stopping)
                }
                try await SiteNetwork(engine: engine).startContainer(id)
            } catch let error as EngineError where error.isPortInUse && previous == nil {
                // A first publish on a port picked from the range: another publish may have taken it meanwhile.
                lastPortError = error
                try? await engine.removeContainer(id, force: true)
                continue
            } catch {
                let logs = await engine.lastLogLines(id)
                let failure = await portError(error, port: port) ?? error
                throw await putBack(id, wasRunning: wasRunning, stopped: stoppedAt != nil, failure: failure, logs: logs)
            }
            try await checkServes(id, port: port, wasRunning: wasRunning, stopped: stoppedAt != nil)
            let gap = stoppedAt.map { Self.seconds(clock.now - $0) }
            logSwitched(gap: gap, stopping: stopSeconds)
            if let previous {
                // The commit: from here on the new version is the site's.
                try? await engine.removeContainer(previous.id, force: true)
            }
            return Outcome(id: id, port: port, gapSeconds: gap)
        }
        // Only a first publish tries several ports; every one it tried was taken.
        if case .fixed(let port) = portRequest, let lastPortError,
           let error = await portError(lastPortError, port: port) {
            throw error
        }
        throw PublishError.noFreePort(host: host.name, range: host.ports)
    }

    /// The switch with a final container already running on the parking network: it takes the site's name, the
    /// previous container stops, and joining the sites' network publishes the site's port for it. The gap is a
    /// stop and a network join instead of a stop and a container start.
    private func takeOver(from previous: ContainerInspect, prepared: String, siteNetwork: String, port: Int)
        async throws -> Outcome
    {
        do {
            try await engine.renameContainer(previous.id, to: identity.parkedContainerName)
        } catch {
            try? await engine.removeContainer(prepared, force: true)
            throw error
        }
        let clock = ContinuousClock()
        var stoppedAt: ContinuousClock.Instant?
        var stopSeconds: Double?
        do {
            try await engine.renameContainer(prepared, to: identity.containerName)
            let stopping = clock.now
            stoppedAt = stopping
            try await engine.stopContainer(previous.id, timeoutSeconds: 10)
            stopSeconds = Self.seconds(clock.now - stopping)
            try await engine.connectNetwork(siteNetwork, container: prepared)
            if try await !publishes(prepared, port: port) {
                // An engine that publishes ports only when a container starts: started again, now on the sites'
                // network, it does.
                logger.warning("joining the sites' network published no port; starting the container again",
                               metadata: ["port": "\(port)"])
                try await engine.stopContainer(prepared, timeoutSeconds: 10)
                try await SiteNetwork(engine: engine).startContainer(prepared)
            }
        } catch {
            let logs = await engine.lastLogLines(prepared)
            let failure = await portError(error, port: port) ?? error
            throw await putBack(prepared, wasRunning: true, stopped: stoppedAt != nil, failure: failure, logs: logs)
        }
        try await checkServes(prepared, port: port, wasRunning: true, stopped: true)
        let gap = stoppedAt.map { Self.seconds(clock.now - $0) }
        logSwitched(gap: gap, stopping: stopSeconds, extra: ["final container": "started ahead"])
        // The commit. Leaving the parking network (the site's container is then on the sites' network alone) runs
        // on beside what follows the switch.
        let (engine, logger) = (engine, logger)
        let leaving = Task {
            do {
                try await engine.disconnectNetwork(SiteNetwork.parkingName, container: prepared)
            } catch {
                logger.warning("the site's container stays on the parking network too: \(error)")
            }
        }
        try? await engine.removeContainer(previous.id, force: true)
        return Outcome(id: prepared, port: port, gapSeconds: gap, leavingParking: leaving)
    }

    /// Asks the new container's site port until it answers 200; when it does not, the previous version is put
    /// back and the error to throw says why.
    private func checkServes(_ id: String, port: Int, wasRunning: Bool, stopped: Bool) async throws {
        let url = ServeCheck.url(host.url(port: port), path: checkPath)
        do {
            try await ServeCheck.whileRunning(id, engine: engine, probe: probe, url: url, timeout: checkTimeout).run()
        } catch {
            let logs = await engine.lastLogLines(id)
            throw await putBack(id, wasRunning: wasRunning, stopped: stopped, failure: error, logs: logs, url: url)
        }
    }

    private func logSwitched(gap: Double?, stopping: Double?, extra: Logger.Metadata = [:]) {
        logger.info("switched", metadata: extra.merging([
            "from stop to first 200 (s)": "\(gap.map { "\($0)" } ?? "-")",
            "of which stopping (s)": "\(stopping.map { "\($0)" } ?? "-")",
        ]) { _, new in new })
    }

    /// Whether the container publishes `port` on the host.
    private func publishes(_ id: String, port: Int) async throws -> Bool {
        try await engine.inspectContainer(id)?.publishedHostPorts.contains(port) == true
    }

    /// Undoes the switch, even when the publish was cancelled: removes the new container, gives the previous one
    /// its name back and starts it again if it had been stopped for the switch. Returns the error to throw.
    private func putBack(_ newContainer: String?, wasRunning: Bool, stopped: Bool, failure: any Error,
                         logs: [String], url: String? = nil) async -> any Error {
        let (engine, identity, previous, logger) = (engine, identity, previous, logger)
        let outcome: PreviousVersion = await uncancelled {
            if let newContainer { try? await engine.removeContainer(newContainer, force: true) }
            guard let previous else { return .none }
            do {
                try await engine.renameContainer(previous.id, to: identity.containerName)
                guard wasRunning else { return .leftStopped }
                try await engine.startContainer(previous.id)
                logger.info("restored the previous version", metadata: ["container": "\(identity.containerName)"])
                return stopped ? .startedAgain : .untouched(running: true)
            } catch {
                logger.error("could not put the previous version back: \(error)")
                return .notRestored("\(error)")
            }
        }
        if failure is CancellationError { return failure }
        if let publishError = failure as? PublishError { return publishError }
        guard let url else { return PublishError.startFailed(reason: "\(failure)", logs: logs, previous: outcome) }
        return PublishError.checkFailed(url: url, reason: ServeCheck.reason(for: failure), logs: logs,
                                        previous: outcome)
    }

    /// A "port is already allocated" refusal as an error that names the container holding the port.
    private func portError(_ error: any Error, port: Int) async -> PublishError? {
        guard let engineError = error as? EngineError, engineError.isPortInUse else { return nil }
        let holder = await PortAllocator(engine: engine, host: host).holder(of: port)
        return PublishError.portInUse(port: port, host: host.name, message: engineError.description, holder: holder)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return ((Double(whole) + Double(fraction) / 1e18) * 1000).rounded() / 1000
    }
}
