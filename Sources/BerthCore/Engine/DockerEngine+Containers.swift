import AsyncHTTPClient
import NIOCore
import NIOHTTP1

extension DockerEngine {
    private static func containerPath(_ id: String, _ suffix: String = "") -> String {
        "/containers/\(EngineQuery.percentEncodePath(id))\(suffix)"
    }

    /// Creates (does not start) a container and returns its ID. A name already in use fails with `.conflict`,
    /// a missing image with `.notFound`.
    public func createContainer(name: String?, config: ContainerCreate) async throws -> String {
        let operation = name.map { "create the container \($0)" } ?? "create a container"
        var query = EngineQuery()
        query.addIfPresent("name", name)
        var request = EngineRequest(method: .POST, path: "/containers/create", query: query)
        try request.setJSONBody(config)
        let created = try await sendForJSON(
            request,
            as: ContainerCreated.self,
            operation: operation,
            notFound: "image \(config.image)"
        )
        for warning in created.warnings ?? [] where !warning.isEmpty {
            logger.warning("docker: \(warning)", metadata: ["container": "\(created.id)"])
        }
        return created.id
    }

    /// Starts a container; starting one that already runs is not an error.
    public func startContainer(_ id: String) async throws {
        try await send(
            EngineRequest(method: .POST, path: Self.containerPath(id, "/start")),
            operation: "start the container \(id)",
            notFound: "container \(id)",
            alsoAccepted: [304]
        )
    }

    /// Stops a container, killing it after `timeoutSeconds` (the daemon's default, 10 s, when nil); stopping one
    /// that is not running is not an error.
    public func stopContainer(_ id: String, timeoutSeconds: Int? = nil) async throws {
        var query = EngineQuery()
        if let timeoutSeconds { query.add("t", timeoutSeconds) }
        try await send(
            EngineRequest(method: .POST, path: Self.containerPath(id, "/stop"), query: query),
            operation: "stop the container \(id)",
            notFound: "container \(id)",
            alsoAccepted: [304],
            timeout: requestTimeout + .seconds(timeoutSeconds ?? 10)
        )
    }

    public func restartContainer(_ id: String, timeoutSeconds: Int? = nil) async throws {
        var query = EngineQuery()
        if let timeoutSeconds { query.add("t", timeoutSeconds) }
        try await send(
            EngineRequest(method: .POST, path: Self.containerPath(id, "/restart"), query: query),
            operation: "restart the container \(id)",
            notFound: "container \(id)",
            timeout: requestTimeout + .seconds(timeoutSeconds ?? 10)
        )
    }

    /// Removes a container; `force` kills it first if it runs, `removeVolumes` removes its anonymous volumes.
    public func removeContainer(_ id: String, force: Bool = false, removeVolumes: Bool = false) async throws {
        var query = EngineQuery()
        query.add("force", force)
        query.add("v", removeVolumes)
        try await send(
            EngineRequest(method: .DELETE, path: Self.containerPath(id), query: query),
            operation: "remove the container \(id)",
            notFound: "container \(id)"
        )
    }

    /// Renames a container; a name in use fails with `.conflict`.
    public func renameContainer(_ id: String, to newName: String) async throws {
        var query = EngineQuery()
        query.add("name", newName)
        try await send(
            EngineRequest(method: .POST, path: Self.containerPath(id, "/rename"), query: query),
            operation: "rename the container \(id) to \(newName)",
            notFound: "container \(id)"
        )
    }

    /// The container's details, or nil when there is no such container.
    public func inspectContainer(_ id: String) async throws -> ContainerInspect? {
        try await inspect(ContainerInspect.self, path: Self.containerPath(id, "/json"), what: "container \(id)")
    }

    /// Containers carrying all the given labels (`key` or `key=value`); stopped ones too when `all`.
    public func listContainers(all: Bool = false, labelFilters: [String] = []) async throws -> [ContainerSummary] {
        var query = EngineQuery()
        query.add("all", all)
        if !labelFilters.isEmpty {
            query.add("filters", try Self.labelFilter(labelFilters))
        }
        return try await getJSON(
            [ContainerSummary].self, path: "/containers/json", query: query, operation: "list containers")
    }

    /// The container's output, line by line, stdout and stderr told apart (a TTY container's output is all stdout).
    ///
    /// - Parameters:
    ///   - tail: only the last so many lines; all when nil.
    ///   - follow: keep the stream open and deliver new lines as the container writes them.
    ///   - since: only lines written at or after this many seconds since 1970.
    ///   - timestamps: fill in `LogLine.timestamp`.
    public func containerLogs(
        _ id: String,
        tail: Int? = nil,
        follow: Bool = false,
        since: Int64? = nil,
        timestamps: Bool = false
    ) -> AsyncThrowingStream<LogLine, Error> {
        let operation = "read the logs of the container \(id)"
        return makeStream(operation: operation) { continuation in
            // A TTY container's logs are raw bytes; only the others are multiplexed into frames.
            guard let container = try await self.inspectContainer(id) else {
                throw EngineError.notFound("container \(id)")
            }
            var query = EngineQuery()
            query.add("stdout", true)
            query.add("stderr", true)
            query.add("follow", follow)
            query.add("timestamps", timestamps)
            query.add("tail", tail.map(String.init) ?? "all")
            if let since { query.add("since", since) }
            let request = EngineRequest(method: .GET, path: Self.containerPath(id, "/logs"), query: query)
            let response = try await self.execute(request, operation: operation, headTimeout: self.requestTimeout)
            try await self.expectSuccess(response, operation: operation, notFound: "container \(id)")
            do {
                try await forEachLogLine(
                    in: response.body,
                    multiplexed: !(container.config.tty ?? false),
                    timestamps: timestamps
                ) { line in
                    continuation.yield(line)
                }
            } catch let error as LogFrameError {
                throw EngineError.invalidResponse(operation: operation, reason: error.description)
            }
        }
    }

    /// Resource use samples: one when `stream` is false (the daemon takes about two seconds to measure CPU),
    /// else one a second until the stream is dropped. With `oneShot` (and `stream` false) the one sample comes at
    /// once, without the CPU figure, which needs two samples.
    public func stats(_ id: String, stream: Bool, oneShot: Bool = false) -> AsyncThrowingStream<ContainerStats, Error> {
        let operation = "read the resource use of the container \(id)"
        return makeStream(operation: operation) { continuation in
            var query = EngineQuery()
            query.add("stream", stream)
            if oneShot && !stream { query.add("one-shot", true) }
            let request = EngineRequest(method: .GET, path: Self.containerPath(id, "/stats"), query: query)
            let response = try await self.execute(request, operation: operation, headTimeout: self.requestTimeout)
            try await self.expectSuccess(response, operation: operation, notFound: "container \(id)")
            try await forEachJSONLine(in: response.body, as: ContainerStats.self, operation: operation) { sample in
                continuation.yield(sample)
            }
        }
    }
}
