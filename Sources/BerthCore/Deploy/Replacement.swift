import AsyncHTTPClient
import Logging

/// Runs a new version of a site and, only once it serves, retires the previous one. When the new container does
/// not start or does not answer, it is removed and the previous container is started again. Publish and rollback
/// both replace a site's container through here.
struct Replacement {
    let host: DockerHost
    let engine: DockerEngine
    let checkClient: HTTPClient
    let logger: Logger
    let identity: SiteIdentity
    let existing: ContainerInspect?

    /// The new container is created beside the old one under this name, and renamed once it has taken over.
    var stagingName: String { identity.containerName + "-next" }

    func run(image: String, server: ServerKind, memory: MemoryLimit, portRequest: PortRequest,
             labels: [String: String], checkTimeout: Duration, checkPath: String? = nil,
             timer: inout StageTimer) async throws
        -> (containerID: String, url: String)
    {
        timer.start(.run, detail: host.name)
        let name = existing == nil ? identity.containerName : stagingName
        try await removeLeftover(named: stagingName)
        let network = try await SiteNetwork(engine: engine).ensure()
        let ports = try await candidatePorts(portRequest)
        let previousWasRunning = existing?.state.running ?? false
        if let existing, previousWasRunning {
            try await engine.stopContainer(existing.id, timeoutSeconds: 10)
        }

        var started: (id: String, port: Int)?
        var lastPortError: EngineError?
        for port in ports.prefix(10) {
            let spec = SiteContainerSpec.make(image: image, server: server, memory: memory, host: host,
                                              hostPort: port, labels: labels, network: network)
            let id: String
            do {
                id = try await engine.createContainer(name: name, config: spec)
            } catch {
                await abandon(nil, previousWasRunning: previousWasRunning)
                throw error
            }
            do {
                try await engine.startContainer(id)
                started = (id, port)
                break
            } catch let error as EngineError where error.isPortInUse {
                lastPortError = error
                try? await engine.removeContainer(id, force: true)
            } catch {
                let (logs, restored) = await abandon(id, previousWasRunning: previousWasRunning)
                throw PublishError.startFailed(reason: "\(error)", logs: logs, restored: restored)
            }
        }
        guard let started else {
            await abandon(nil, previousWasRunning: previousWasRunning)
            if case .fixed(let port) = portRequest {
                throw PublishError.portInUse(port: port, host: host.name, message: lastPortError?.description ?? "")
            }
            throw PublishError.noFreePort(host: host.name, range: host.ports)
        }
        timer.finish(.run)

        let url = host.url(port: started.port)
        timer.start(.check, detail: url)
        let check = ServeCheck.whileRunning(started.id, engine: engine, client: checkClient,
                                            url: ServeCheck.url(url, path: checkPath), timeout: checkTimeout)
        do {
            try await check.run()
        } catch {
            let (logs, restored) = await abandon(started.id, previousWasRunning: previousWasRunning)
            if error is CancellationError { throw error }
            let reason = ServeCheck.reason(for: error)
            throw PublishError.checkFailed(url: url, reason: reason, logs: logs, restored: restored)
        }

        if let existing {
            try await engine.removeContainer(existing.id, force: true)
            try await engine.renameContainer(started.id, to: identity.containerName)
        }
        timer.finish(.check)
        return (started.id, url)
    }

    /// The ports to try: the one asked for, else the one the site already has, else free ones from the range.
    func candidatePorts(_ request: PortRequest) async throws -> [Int] {
        if case .fixed(let port) = request { return [port] }
        if let existing, let port = Publisher.publishedPort(of: existing) { return [port] }
        let allocator = PortAllocator(engine: engine, host: host)
        let candidates = allocator.candidates(excluding: try await allocator.portsInUse())
        guard !candidates.isEmpty else { throw PublishError.noFreePort(host: host.name, range: host.ports) }
        return candidates
    }

    /// A staging container left by an interrupted publish of this same site.
    func removeLeftover(named name: String) async throws {
        guard let leftover = try await engine.inspectContainer(name) else { return }
        guard identity.owns(leftover.labels) else {
            throw PublishError.nameTaken(containerName: name, host: host.name, owner: nil)
        }
        try await engine.removeContainer(leftover.id, force: true)
    }

    /// Removes the new container (keeping its last log lines) and starts the previous version again, even when the
    /// publish was cancelled: a cancelled publish must not leave the site down either.
    @discardableResult
    func abandon(_ newContainer: String?, previousWasRunning: Bool) async -> (logs: [String], restored: Bool) {
        await uncancelled {
            var logs: [String] = []
            if let newContainer {
                logs = await engine.lastLogLines(newContainer)
                try? await engine.removeContainer(newContainer, force: true)
            }
            return (logs, await restorePrevious(previousWasRunning))
        }
    }

    private func restorePrevious(_ wasRunning: Bool) async -> Bool {
        guard let existing, wasRunning else { return false }
        do {
            try await engine.startContainer(existing.id)
            logger.info("restored the previous version", metadata: ["container": "\(existing.plainName)"])
            return true
        } catch {
            logger.error("could not restart the previous version: \(error)")
            return false
        }
    }
}

extension DockerEngine {
    /// The last lines a container wrote, for failure messages.
    func lastLogLines(_ id: String, count: Int = 20) async -> [String] {
        var lines: [String] = []
        do {
            for try await line in containerLogs(id, tail: count) {
                lines.append(line.text.trimmingWhitespace())
            }
        } catch {
            lines.append("(could not read the logs: \(error))")
        }
        return lines
    }
}
