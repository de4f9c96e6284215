import NIOCore

/// The engine calls that replacing, restoring and locking a site make, so that logic can be tested against an
/// in-memory engine (the test target's `FakeContainerEngine`) as well as end to end. `DockerEngine` is the real
/// one; every method means what its `DockerEngine` namesake documents.
public protocol ContainerEngine: Sendable {
    // Containers
    func createContainer(name: String?, config: ContainerCreate) async throws -> String
    func startContainer(_ id: String) async throws
    func stopContainer(_ id: String, timeoutSeconds: Int?) async throws
    func removeContainer(_ id: String, force: Bool, removeVolumes: Bool) async throws
    func renameContainer(_ id: String, to newName: String) async throws
    func inspectContainer(_ id: String) async throws -> ContainerInspect?
    func listContainers(all: Bool, labelFilters: [String]) async throws -> [ContainerSummary]
    func containerLogs(_ id: String, tail: Int?, follow: Bool, since: Int64?, timestamps: Bool)
        -> AsyncThrowingStream<LogLine, Error>
    func stats(_ id: String, stream: Bool, oneShot: Bool) -> AsyncThrowingStream<ContainerStats, Error>
    /// Writes the files of a tar archive into a container (created or running) under `path`.
    func putArchive(_ id: String, path: String, tar: [UInt8]) async throws
    /// Name, size, mode and modification time of one path in a container; nil when it does not exist.
    func statPath(_ id: String, path: String) async throws -> ContainerPathStat?
    /// Runs a command in a running container and waits for it (`docker exec`).
    func exec(_ id: String, command: [String]) async throws -> ExecResult

    // Images
    func build<Context: AsyncSequence & Sendable>(context: Context, options: BuildOptions)
        -> AsyncThrowingStream<BuildEvent, Error> where Context.Element == ByteBuffer
    func inspectImage(_ image: String) async throws -> ImageInspect?
    func listImages(labelFilters: [String]) async throws -> [ImageSummary]
    func tagImage(_ image: String, repository: String, tag: String) async throws
    @discardableResult
    func removeImage(_ image: String, force: Bool) async throws -> [ImageRemoval]

    // Networks
    func listNetworks(named name: String) async throws -> [NetworkInspect]
    func createNetwork(_ network: NetworkCreate) async throws -> String
    func removeNetwork(_ name: String) async throws
    func connectNetwork(_ network: String, container: String) async throws
    func disconnectNetwork(_ network: String, container: String) async throws
}

/// The defaults `DockerEngine`'s own methods have, for callers that hold `any ContainerEngine`.
extension ContainerEngine {
    /// An engine that cannot run commands in containers (a test double) answers that it cannot.
    public func exec(_ id: String, command: [String]) async throws -> ExecResult {
        throw EngineError.invalidResponse(operation: "run \(command.first ?? "a command") in the container \(id)",
                                          reason: "this engine cannot run commands in containers")
    }

    public func stopContainer(_ id: String) async throws {
        try await stopContainer(id, timeoutSeconds: nil)
    }

    public func removeContainer(_ id: String, force: Bool = false) async throws {
        try await removeContainer(id, force: force, removeVolumes: false)
    }

    public func listContainers(all: Bool = false) async throws -> [ContainerSummary] {
        try await listContainers(all: all, labelFilters: [])
    }

    public func containerLogs(_ id: String, tail: Int?) -> AsyncThrowingStream<LogLine, Error> {
        containerLogs(id, tail: tail, follow: false, since: nil, timestamps: false)
    }

    public func listImages() async throws -> [ImageSummary] {
        try await listImages(labelFilters: [])
    }

    @discardableResult
    public func removeImage(_ image: String) async throws -> [ImageRemoval] {
        try await removeImage(image, force: false)
    }

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

extension DockerEngine: ContainerEngine {}

/// What `HEAD /containers/{id}/archive` reports about a path (the `X-Docker-Container-Path-Stat` header).
public struct ContainerPathStat: Codable, Sendable, Equatable {
    public var name: String
    public var size: Int64
    public var mode: UInt32
    /// RFC 3339.
    public var mtime: String
    public var linkTarget: String?

    public init(name: String, size: Int64, mode: UInt32, mtime: String, linkTarget: String? = nil) {
        self.name = name
        self.size = size
        self.mode = mode
        self.mtime = mtime
        self.linkTarget = linkTarget
    }
}
