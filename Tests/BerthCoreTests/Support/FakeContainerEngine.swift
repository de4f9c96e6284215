import Foundation
import NIOCore
@testable import BerthCore

/// A Docker engine in memory, for the replace, recover and lock logic: containers with names, labels, port
/// bindings, restart policies and states (created, running, exited, restarting); images with tags and labels; a
/// site's server that serves, answers another status, or crashes at start. Faults are injected per call, and a
/// publish can be "killed" before any step: from then on every call of it fails, as nothing of a SIGKILLed
/// process runs any more, until the test `revive`s the engine for the next command.
actor FakeContainerEngine: ContainerEngine {
    /// What the server in an image does when its container starts.
    enum Server: Sendable, Equatable {
        case serves
        case answers(Int)
        /// Exits at once with status 1 after writing these lines.
        case crashes([String])
    }

    struct Container: Sendable {
        var id: String
        var name: String
        var config: ContainerCreate
        var imageID: String
        var status = "created"
        var exitCode = 0
        var restartCount = 0
        var boundPort: Int?
        var logs: [String] = []
        var files: [String: Date] = [:]
        var created: Int64
    }

    struct Image: Sendable {
        var id: String
        var tags: [String]
        var labels: [String: String]
        var server: Server
        var created: Int64
    }

    enum Fault: Sendable {
        case fail(EngineError)
        /// The calling process dies before the call reaches the engine.
        case kill
    }

    struct Killed: Error, CustomStringConvertible {
        var description: String { "the process was killed" }
    }

    private(set) var containers: [String: Container] = [:]
    private(set) var images: [String: Image] = [:]
    private var networks: [NetworkInspect] = []
    private var serial = 0
    private var nextEphemeralPort = 49_000
    /// The state-changing calls made, in order, as "create NAME", "start NAME", "stop NAME", "remove NAME",
    /// "rename OLD NEW", "tag REF", "untag REF", "lease NAME", "connect NAME", "disconnect NAME".
    private(set) var calls: [String] = []
    private var faults: [@Sendable (String, Int) -> Fault?] = []
    private(set) var killed = false
    /// Runs before a state-changing call (after faults), so a test can interleave another actor's work.
    private var beforeCall: (@Sendable (String) async -> Void)?

    // MARK: Setting up

    func addImage(_ reference: String, labels: [String: String] = [:], server: Server = .serves) -> String {
        serial += 1
        let id = "sha256:" + String(format: "%064x", serial)
        images[id] = Image(id: id, tags: [Self.normalized(reference)], labels: labels, server: server,
                           created: Int64(serial))
        return id
    }

    /// Tags an image without counting as a call (a tag the build gave it).
    func addTag(_ reference: String, to id: String) {
        images[id]?.tags.append(Self.normalized(reference))
    }

    func setServer(of reference: String, to server: Server) {
        guard let id = imageID(reference) else { return }
        images[id]?.server = server
    }

    /// Fails or kills the `n`-th state-changing call (counted from 1) whose description satisfies `matching`.
    func inject(_ fault: Fault, at n: Int = 1, where matching: @escaping @Sendable (String) -> Bool) {
        let counter = Counter()
        faults.append { call, _ in
            guard matching(call) else { return nil }
            return counter.increment() == n ? fault : nil
        }
    }

    /// Kills the calling process before its `n`-th state-changing call from now (counted from 1).
    func kill(beforeCall n: Int) {
        let base = calls.count
        faults.append { _, index in index - base == n ? .kill : nil }
    }

    func onCall(_ hook: @escaping @Sendable (String) async -> Void) {
        beforeCall = hook
    }

    /// Ends a simulated SIGKILL: the next command is another process.
    func revive() {
        killed = false
        faults = []
    }

    // MARK: Reading for tests

    func container(named name: String) -> Container? {
        containers.values.first { $0.name == name }
    }

    var containerNames: Set<String> { Set(containers.values.map(\.name)) }

    func tags() -> Set<String> { Set(images.values.flatMap(\.tags)) }

    /// What a GET of `/` on a host port gets: the status of the server of the running container publishing it.
    func answer(port: Int) throws -> (code: Int, reason: String) {
        guard let container = containers.values.first(where: { $0.status == "running" && $0.boundPort == port }),
              let image = images[container.imageID]
        else {
            throw FakeConnectionRefused(port: port)
        }
        switch image.server {
        case .serves: return (200, "OK")
        case .answers(let code): return (code, "Status \(code)")
        case .crashes: throw FakeConnectionRefused(port: port)
        }
    }

    // MARK: Containers

    func createContainer(name: String?, config: ContainerCreate) async throws -> String {
        let name = name ?? "anonymous-\(serial + 1)"
        try await call("create \(name)")
        guard let imageID = imageID(config.image) else { throw EngineError.notFound("image \(config.image)") }
        guard container(named: name) == nil else {
            throw EngineError.conflict("Conflict. The container name \"/\(name)\" is already in use")
        }
        serial += 1
        let id = String(format: "%064x", 1_000_000 + serial)
        containers[id] = Container(id: id, name: name, config: config, imageID: imageID, created: Int64(serial))
        return id
    }

    func startContainer(_ id: String) async throws {
        let key = try resolve(id)
        try await call("start \(containers[key]!.name)")
        guard var container = containers[key] else { throw EngineError.notFound("container \(id)") }
        if container.status == "running" || container.status == "restarting" { return }
        // On an internal network alone the engine publishes no port: joining another network publishes it.
        let port = isInternal(container.config.hostConfig.networkMode) ? nil : try bind(container, key: key)
        container.boundPort = port
        switch images[container.imageID]?.server ?? .serves {
        case .serves, .answers:
            container.status = "running"
        case .crashes(let lines):
            container.logs += lines
            container.exitCode = 1
            let policy = container.config.hostConfig.restartPolicy?.name ?? "no"
            if policy == "no" {
                container.status = "exited"
            } else {
                container.status = "restarting"
                container.restartCount += 1
            }
        }
        containers[key] = container
    }

    func stopContainer(_ id: String, timeoutSeconds: Int?) async throws {
        let key = try resolve(id)
        try await call("stop \(containers[key]!.name)")
        guard containers[key]?.status == "running" || containers[key]?.status == "restarting" else { return }
        containers[key]?.status = "exited"
        containers[key]?.exitCode = 0
    }

    func removeContainer(_ id: String, force: Bool, removeVolumes: Bool) async throws {
        let key = try resolve(id)
        try await call("remove \(containers[key]!.name)")
        if containers[key]?.status == "running", !force {
            throw EngineError.conflict("You cannot remove a running container \(id)")
        }
        containers[key] = nil
    }

    func renameContainer(_ id: String, to newName: String) async throws {
        let key = try resolve(id)
        try await call("rename \(containers[key]!.name) \(newName)")
        if let other = container(named: newName), other.id != key {
            throw EngineError.conflict("Conflict. The container name \"/\(newName)\" is already in use")
        }
        containers[key]?.name = newName
    }

    func inspectContainer(_ id: String) async throws -> ContainerInspect? {
        try checkAlive()
        guard let key = try? resolve(id), let container = containers[key] else { return nil }
        let running = container.status == "running" || container.status == "restarting"
        let binding = container.boundPort.map { [PortBinding(hostIP: "127.0.0.1", hostPort: "\($0)")] }
        let exposed = container.config.exposedPorts.first ?? "80/tcp"
        return ContainerInspect(
            id: container.id, name: "/" + container.name, created: "2024-05-01T12:00:00Z", image: container.imageID,
            restartCount: container.restartCount,
            state: .init(status: container.status, running: running, exitCode: container.exitCode,
                         startedAt: nil, finishedAt: nil, oomKilled: false, health: nil),
            config: .init(image: container.config.image, labels: container.config.labels, tty: false,
                          user: container.config.user, env: container.config.environment),
            hostConfig: .init(memory: container.config.hostConfig.memory,
                              memorySwap: container.config.hostConfig.memorySwap, nanoCPUs: nil,
                              readonlyRootfs: container.config.hostConfig.readonlyRootfs,
                              restartPolicy: container.config.hostConfig.restartPolicy,
                              portBindings: container.config.hostConfig.portBindings.mapValues { Optional($0) },
                              networkMode: container.config.hostConfig.networkMode),
            networkSettings: .init(ports: running && binding != nil ? [exposed: binding] : [:], networks: nil))
    }

    func listContainers(all: Bool, labelFilters: [String]) async throws -> [ContainerSummary] {
        try checkAlive()
        return containers.values.sorted { $0.created < $1.created }.filter { container in
            (all || container.status == "running") && Self.matches(container.config.labels, labelFilters)
        }.map { container in
            let running = container.status == "running"
            let exposed = container.config.exposedPorts.first.flatMap { Int($0.prefix { $0 != "/" }) } ?? 80
            return ContainerSummary(
                id: container.id, names: ["/" + container.name], image: container.config.image,
                imageID: container.imageID, created: container.created, state: container.status, status: "",
                labels: container.config.labels,
                ports: [ContainerSummary.Port(ip: running ? "127.0.0.1" : nil, privatePort: exposed,
                                              publicPort: running ? container.boundPort : nil, type: "tcp")])
        }
    }

    nonisolated func containerLogs(_ id: String, tail: Int?, follow: Bool, since: Int64?, timestamps: Bool)
        -> AsyncThrowingStream<LogLine, Error>
    {
        AsyncThrowingStream { continuation in
            Task {
                do {
                    for line in try await self.logLines(id) {
                        continuation.yield(LogLine(stream: .stderr, text: line, timestamp: nil))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }

    private func logLines(_ id: String) throws -> [String] {
        try checkAlive()
        return containers[try resolve(id)]?.logs ?? []
    }

    nonisolated func stats(_ id: String, stream: Bool, oneShot: Bool) -> AsyncThrowingStream<ContainerStats, Error> {
        AsyncThrowingStream { $0.finish() }
    }

    func putArchive(_ id: String, path: String, tar: [UInt8]) async throws {
        let key = try resolve(id)
        try await call("lease \(containers[key]!.name)")
        // One ustar header: the name at 0..<100, the modification time (octal) at 136..<148.
        guard tar.count >= 512 else { throw EngineError.invalidResponse(operation: "put archive", reason: "short") }
        let name = String(decoding: tar[0..<100].prefix { $0 != 0 }, as: UTF8.self)
        let octal = String(decoding: tar[136..<148].prefix { $0 != 0 && $0 != 32 }, as: UTF8.self)
        let mtime = Date(timeIntervalSince1970: TimeInterval(Int(octal, radix: 8) ?? 0))
        containers[key]?.files[(path.hasSuffix("/") ? path : path + "/") + name] = mtime
    }

    func statPath(_ id: String, path: String) async throws -> ContainerPathStat? {
        try checkAlive()
        guard let key = try? resolve(id), let mtime = containers[key]?.files[path] else { return nil }
        let formatter = ISO8601DateFormatter()
        return ContainerPathStat(name: (path as NSString).lastPathComponent, size: 1, mode: 0o644,
                                 mtime: formatter.string(from: mtime))
    }

    /// Sets a lock's lease file as its holder would have, at `date`.
    func setFile(_ path: String, of name: String, modified date: Date) {
        guard let key = container(named: name)?.id else { return }
        containers[key]?.files[path] = date
    }

    // MARK: Images

    nonisolated func build<Context: AsyncSequence & Sendable>(context: Context, options: BuildOptions)
        -> AsyncThrowingStream<BuildEvent, Error> where Context.Element == ByteBuffer
    {
        AsyncThrowingStream { continuation in
            Task {
                do {
                    let id = try await self.built(options)
                    continuation.yield(.built(imageID: id))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }

    private func built(_ options: BuildOptions) async throws -> String {
        try await call("build \(options.tags.joined(separator: ","))")
        let id = addImage(options.tags.first ?? "untagged", labels: options.labels)
        for tag in options.tags.dropFirst() { images[id]?.tags.append(Self.normalized(tag)) }
        return id
    }

    func inspectImage(_ image: String) async throws -> ImageInspect? {
        try checkAlive()
        guard let id = imageID(image), let found = images[id] else { return nil }
        return ImageInspect(id: found.id, repoTags: found.tags, repoDigests: nil, created: nil, size: 1,
                            architecture: nil, os: nil,
                            config: .init(labels: found.labels, user: nil, cmd: nil, entrypoint: nil,
                                          exposedPorts: nil, workingDir: nil))
    }

    func listImages(labelFilters: [String]) async throws -> [ImageSummary] {
        try checkAlive()
        return images.values.filter { Self.matches($0.labels, labelFilters) }.sorted { $0.created < $1.created }.map {
            ImageSummary(id: $0.id, repoTags: $0.tags, created: $0.created, size: 1, labels: $0.labels)
        }
    }

    func tagImage(_ image: String, repository: String, tag: String) async throws {
        try await call("tag \(repository):\(tag)")
        guard let id = imageID(image) else { throw EngineError.notFound("image \(image)") }
        let reference = "\(repository):\(tag)"
        for key in images.keys { images[key]?.tags.removeAll { $0 == reference } }
        images[id]?.tags.append(reference)
    }

    @discardableResult
    func removeImage(_ image: String, force: Bool) async throws -> [ImageRemoval] {
        try await call("untag \(image)")
        guard let id = imageID(image), var found = images[id] else { throw EngineError.notFound("image \(image)") }
        let normalized = Self.normalized(image)
        if found.tags.contains(normalized), found.tags.count > 1 {
            found.tags.removeAll { $0 == normalized }
            images[id] = found
            return [ImageRemoval(untagged: normalized, deleted: nil)]
        }
        if !force, containers.values.contains(where: { $0.imageID == id }) {
            throw EngineError.conflict("image is being used by a container")
        }
        images[id] = nil
        return [ImageRemoval(untagged: normalized, deleted: id)]
    }

    /// The host port a container publishes when it starts (or joins a network that is not internal), or the
    /// engine's refusal when a running container holds it.
    private func bind(_ container: Container, key: String) throws -> Int? {
        let wanted = container.config.hostConfig.portBindings.values.flatMap { $0 }.first?.hostPort
        guard let wanted else { return nil }
        guard let number = Int(wanted) else {
            nextEphemeralPort += 1
            return nextEphemeralPort
        }
        if containers.values.contains(where: {
            $0.id != key && ($0.status == "running" || $0.status == "restarting") && $0.boundPort == number
        }) {
            throw EngineError.api(operation: "start the container \(container.id)", status: 500, message:
                "driver failed programming external connectivity on endpoint \(container.name): Bind for "
                + "127.0.0.1:\(number) failed: port is already allocated")
        }
        return number
    }

    private func isInternal(_ network: String?) -> Bool {
        networks.first { $0.id == network || $0.name == network }?.internal ?? false
    }

    // MARK: Networks

    /// Whether joining a network publishes a running container's ports (as Docker 20.10 does), or only a start
    /// does.
    private var publishesPortsOnJoin = true

    func publishPortsOnlyAtStart() {
        publishesPortsOnJoin = false
    }

    func connectNetwork(_ network: String, container id: String) async throws {
        let key = try resolve(id)
        try await call("connect \(containers[key]!.name)")
        containers[key]?.config.hostConfig.networkMode = network
        guard publishesPortsOnJoin, let container = containers[key], !isInternal(network), container.boundPort == nil,
              container.status == "running" else { return }
        let port = try bind(container, key: key)
        containers[key]?.boundPort = port
    }

    func disconnectNetwork(_ network: String, container id: String) async throws {
        let key = try resolve(id)
        try await call("disconnect \(containers[key]!.name)")
    }

    func listNetworks(named name: String) async throws -> [NetworkInspect] {
        try checkAlive()
        return networks.filter { $0.name == name }
    }

    func createNetwork(_ network: NetworkCreate) async throws -> String {
        try await call("network \(network.name)")
        serial += 1
        let id = "net\(serial)"
        networks.append(NetworkInspect(id: id, name: network.name, created: nil, driver: "bridge",
                                       options: network.options, labels: network.labels, internal: network.internal))
        return id
    }

    func removeNetwork(_ name: String) async throws {
        try await call("remove network \(name)")
        networks.removeAll { $0.id == name || $0.name == name }
    }

    // MARK: Internals

    private func checkAlive() throws {
        if killed { throw Killed() }
    }

    private func call(_ description: String) async throws {
        try checkAlive()
        let index = calls.count + 1
        for fault in faults {
            switch fault(description, index) {
            case .fail(let error)?:
                calls.append(description + " (failed)")
                throw error
            case .kill?:
                killed = true
                throw Killed()
            case nil:
                continue
            }
        }
        if let beforeCall { await beforeCall(description) }
        try checkAlive()
        calls.append(description)
    }

    private func resolve(_ idOrName: String) throws -> String {
        try checkAlive()
        if containers[idOrName] != nil { return idOrName }
        if let byName = container(named: idOrName) { return byName.id }
        let prefixed = containers.keys.filter { $0.hasPrefix(idOrName) }
        if prefixed.count == 1, let only = prefixed.first { return only }
        throw EngineError.notFound("container \(idOrName)")
    }

    private func imageID(_ reference: String) -> String? {
        if images[reference] != nil { return reference }
        let normalized = Self.normalized(reference)
        return images.values.first { $0.tags.contains(normalized) }?.id
    }

    /// `name` means `name:latest`, as for Docker.
    static func normalized(_ reference: String) -> String {
        let lastComponent = reference.split(separator: "/").last ?? ""
        return lastComponent.contains(":") ? reference : reference + ":latest"
    }

    static func matches(_ labels: [String: String], _ filters: [String]) -> Bool {
        filters.allSatisfy { filter in
            let parts = filter.split(separator: "=", maxSplits: 1).map(String.init)
            guard let key = parts.first else { return true }
            return parts.count == 1 ? labels[key] != nil : labels[key] == parts[1]
        }
    }
}

struct FakeConnectionRefused: Error, CustomStringConvertible {
    var port: Int
    var description: String { "connection refused (port \(port))" }
}

/// The check's GET, answered by the fake engine's servers.
struct FakeSiteProbe: SiteProbe {
    let engine: FakeContainerEngine
    /// Every URL asked, when set.
    var asked: Recorder<String>? = nil
    /// Runs before every request, when set.
    var before: (@Sendable () async -> Void)? = nil

    func get(_ url: String) async throws -> (code: Int, reason: String) {
        asked?.add(url)
        await before?()
        guard let port = URLComponents(string: url)?.port else { throw FakeConnectionRefused(port: 0) }
        return try await engine.answer(port: port)
    }
}

/// A thread-safe counter for fault matching.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
