import Logging

/// Moves a site to a new container behind the edge with no failed request.
///
/// A site owns two host ports (its upstream pair, `EdgeLabel.upstreams`); the edge tries them in order and the
/// first that answers serves. The new version's image has already answered on a staging port (`Replacement`), so
/// only a checked image ever starts on an upstream port, where the edge may send it traffic the moment it
/// listens. Then:
///
/// 1. the previous container is parked (renamed, still serving) and the new one starts on the port of the pair
///    the previous one does not use;
/// 2. the edge gets the route table derived from the engine (a reload only when it changed: a first publish or
///    changed names; a plain switch changes nothing in it);
/// 3. the previous container is stopped: its port fails, the edge marks it down and retries on the new one;
/// 4. a request through the edge, over TLS with the site's name as SNI and `Host`, must answer 200: the new
///    version serves through the route;
/// 5. the previous container is removed (the commit) and the route table applied again (names only it had go).
///
/// A failure at any step removes the new container, puts the previous one back under its name and starts it
/// again if this switch stopped it, and gives the edge its routes again.
struct EdgeSwitchover {
    let host: DockerHost
    let engine: any ContainerEngine
    let edge: EdgeController
    let probe: any SiteProbe
    let logger: Logger
    let identity: SiteIdentity
    let previous: ContainerInspect?
    /// The name the proof through the edge asks for.
    let hostname: EdgeHostname
    let checkTimeout: Duration
    var checkPath: String? = nil

    struct Outcome {
        var id: String
        var port: Int
        /// From the new container's start to its first 200 through the edge.
        var switchSeconds: Double
    }

    /// How many ports a switch tries for the new container when the engine cannot bind the one it picked.
    static let portAttempts = 10

    /// - Parameters:
    ///   - slots: the site's pair of upstream ports.
    ///   - reserved: ports no replacement slot may take (every site's pair on the host).
    ///   - spec: the new container on a port, labelled with the pair it belongs to.
    func run(slots: [Int], reserved: Set<Int>, spec: (_ port: Int, _ slots: [Int]) -> ContainerCreate)
        async throws -> Outcome
    {
        let wasRunning = previous?.state.running ?? false
        if let previous {
            try await engine.renameContainer(previous.id, to: identity.parkedContainerName)
        }
        let clock = ContinuousClock()
        let started = clock.now
        var stopped = false
        var newID: String?
        do {
            let (id, port) = try await startNew(slots: slots, reserved: reserved, spec: spec, created: &newID)
            if Self.isLoopback(host.address) {
                // Reachable from here: the final container answers on its own port before the edge needs it.
                // (On another host its loopback port is not; the proof through the edge below checks it.)
                let url = ServeCheck.url(host.url(port: port), path: checkPath)
                try await ServeCheck.whileRunning(id, engine: engine, probe: probe, url: url, timeout: checkTimeout)
                    .run()
            }
            try await edge.apply()
            if let previous, wasRunning {
                try await engine.stopContainer(previous.id, timeoutSeconds: 10)
                stopped = true
            }
            try await prove(id)
            let seconds = Switchover.seconds(clock.now - started)
            logger.info("switched through the edge", metadata: ["port": "\(port)", "seconds": "\(seconds)"])
            if let previous { try? await engine.removeContainer(previous.id, force: true) }
            // Names only the previous version had leave the edge; a failure here leaves them routed to nothing.
            do { try await edge.apply() } catch { logger.warning("the edge kept the previous names: \(error)") }
            return Outcome(id: id, port: port, switchSeconds: seconds)
        } catch {
            let logs = newID == nil ? [] : await engine.lastLogLines(newID ?? "")
            throw await putBack(newID, wasRunning: wasRunning, stopped: stopped, failure: error, logs: logs)
        }
    }

    /// Starts the new container on the slot the previous version does not use (`created` names it for clean-up
    /// from the moment it exists). The engine
    /// lists only containers' ports: when something else holds the slot (an outgoing connection's ephemeral port
    /// on loopback, when the host's range overlaps the kernel's), the slot is replaced by another free port of
    /// the range, and the container's labels carry the new pair.
    private func startNew(slots: [Int], reserved: Set<Int>, spec: (Int, [Int]) -> ContainerCreate,
                          created newID: inout String?) async throws -> (id: String, port: Int)
    {
        let current = previous.flatMap(Publisher.publishedPort(of:))
        var slots = slots
        var refused: [Int] = []
        for _ in 0..<Self.portAttempts {
            let index = slots.firstIndex { $0 != current } ?? 0
            let port = slots[index]
            let id = try await engine.createContainer(name: identity.containerName, config: spec(port, slots))
            newID = id
            do {
                try await SiteNetwork(engine: engine).startContainer(id)
                return (id, port)
            } catch let error as EngineError where error.isPortInUse {
                logger.warning("the engine could not bind an upstream port; trying another",
                               metadata: ["port": "\(port)", "error": "\(error)"])
                try await engine.removeContainer(id, force: true)
                newID = nil
                refused.append(port)
                let allocator = PortAllocator(engine: engine, host: host)
                let taken = try await allocator.portsInUse().union(reserved).union(refused).union(slots)
                guard let replacement = allocator.candidates(excluding: taken).first else {
                    throw PublishError.noFreePort(host: host.name, range: host.ports)
                }
                slots[index] = replacement
            }
        }
        throw PublishError.portsHeldOutsideEngine(ports: refused, host: host.name)
    }

    static func isLoopback(_ address: String) -> Bool { address.hasPrefix("127.") || address == "localhost" }

    /// Asks the edge for the site's page until it answers 200 (the previous version is stopped by then, so
    /// only the new one can).
    func prove(_ id: String) async throws {
        try await EdgeProbe(address: host.address, port: edge.settings.httpsPort)
            .waitFor200(hostname, path: checkPath ?? "/", timeout: checkTimeout) {
                guard try await engine.inspectContainer(id)?.state.running == true else {
                    throw ServeCheck.Failure(reason: "the new container stopped")
                }
            }
    }

    private func putBack(_ newContainer: String?, wasRunning: Bool, stopped: Bool, failure: any Error,
                         logs: [String]) async -> any Error {
        let (engine, identity, previous, logger, edge) = (engine, identity, previous, logger, edge)
        let outcome: PreviousVersion = await uncancelled {
            if let newContainer { try? await engine.removeContainer(newContainer, force: true) }
            var outcome = PreviousVersion.none
            if let previous {
                do {
                    try await engine.renameContainer(previous.id, to: identity.containerName)
                    if wasRunning {
                        try await engine.startContainer(previous.id)
                        outcome = stopped ? .startedAgain : .untouched(running: true)
                    } else {
                        outcome = .leftStopped
                    }
                } catch {
                    logger.error("could not put the previous version back: \(error)")
                    outcome = .notRestored("\(error)")
                }
            }
            do { try await edge.apply() } catch { logger.error("could not restore the edge's routes: \(error)") }
            return outcome
        }
        if failure is CancellationError || failure is EdgeError { return failure }
        if let publishError = failure as? PublishError { return publishError }
        return PublishError.checkFailed(url: "https://\(hostname)/", reason: ServeCheck.reason(for: failure),
                                        logs: logs, previous: outcome)
    }
}
