import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension DockerEngine {
    /// The `X-Registry-Auth` value for no credentials: base64 of `{}`.
    public static let anonymousRegistryAuth = "e30="

    /// Builds an image from a tar context that is streamed to the daemon as it is produced (chunked, never
    /// held whole), and reports the daemon's progress line by line as it arrives.
    ///
    /// The stream ends with `.built(imageID:)` on success. A failure the daemon reports inside its 200 answer
    /// ends it with `EngineError.inBand` carrying the daemon's message. There is no time limit; cancelling the
    /// consuming task (or dropping the stream) cancels the request, and the daemon stops the build.
    public func build<Context: AsyncSequence & Sendable>(
        context: Context,
        options: BuildOptions
    ) -> AsyncThrowingStream<BuildEvent, Error> where Context.Element == ByteBuffer {
        let operation = options.tags.first.map { "build the image \($0)" } ?? "build the image"
        return makeStream(operation: operation) { continuation in
            var request = EngineRequest(method: .POST, path: "/build", query: try Self.buildQuery(options))
            request.headers.append(("Content-Type", "application/x-tar"))
            request.body = .stream(context, length: .unknown)
            let response = try await self.execute(request, operation: operation, headTimeout: nil)
            try await self.expectSuccess(response, operation: operation)
            var imageID: String?
            try await forEachJSONMessage(in: response.body, operation: operation) { message in
                if let output = message.stream {
                    continuation.yield(.output(output))
                }
                if let progress = message.engineProgress {
                    continuation.yield(.progress(progress))
                }
                if let id = message.aux?.id {
                    imageID = id
                }
            }
            guard let imageID else {
                throw EngineError.invalidResponse(
                    operation: operation, reason: "the build ended without naming an image")
            }
            continuation.yield(.built(imageID: imageID))
        }
    }

    static func buildQuery(_ options: BuildOptions) throws -> EngineQuery {
        var query = EngineQuery()
        for tag in options.tags {
            query.add("t", tag)
        }
        query.add("dockerfile", options.dockerfile)
        if !options.labels.isEmpty {
            query.add("labels", try jsonText(options.labels))
        }
        if !options.buildArguments.isEmpty {
            query.add("buildargs", try jsonText(options.buildArguments))
        }
        query.add("rm", options.removeIntermediateContainers)
        query.add("forcerm", options.alwaysRemoveIntermediateContainers)
        query.add("pull", options.pull)
        if options.noCache {
            query.add("nocache", true)
        }
        if let memory = options.memoryLimit {
            query.add("memory", memory)
        }
        return query
    }

    /// The `filters` query value selecting objects that carry all the given labels (`key` or `key=value`).
    static func labelFilter(_ labels: [String]) throws -> String {
        try jsonText(["label": labels])
    }

    static func jsonText<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public func tagImage(_ image: String, repository: String, tag: String) async throws {
        var query = EngineQuery()
        query.add("repo", repository)
        query.add("tag", tag)
        let request = EngineRequest(
            method: .POST,
            path: "/images/\(EngineQuery.percentEncodePath(image))/tag",
            query: query
        )
        try await send(request, operation: "tag \(image) as \(repository):\(tag)", notFound: "image \(image)")
    }

    /// The image's details, or nil when the daemon has no such image.
    public func inspectImage(_ image: String) async throws -> ImageInspect? {
        try await inspect(ImageInspect.self, path: "/images/\(EngineQuery.percentEncodePath(image))/json",
                          what: "image \(image)")
    }

    /// Removes an image (or one of its tags). Fails with `.notFound` when there is no such image and with
    /// `.conflict` when a container uses it (unless `force`).
    @discardableResult
    public func removeImage(_ image: String, force: Bool = false) async throws -> [ImageRemoval] {
        var query = EngineQuery()
        query.add("force", force)
        return try await sendForJSON(
            EngineRequest(method: .DELETE, path: "/images/\(EngineQuery.percentEncodePath(image))", query: query),
            as: [ImageRemoval].self,
            operation: "remove the image \(image)",
            notFound: "image \(image)"
        )
    }

    /// Images carrying all the given labels (`key` or `key=value`); all images when `labelFilters` is empty.
    public func listImages(labelFilters: [String] = []) async throws -> [ImageSummary] {
        var query = EngineQuery()
        if !labelFilters.isEmpty {
            query.add("filters", try Self.labelFilter(labelFilters))
        }
        return try await getJSON([ImageSummary].self, path: "/images/json", query: query, operation: "list images")
    }

    /// Pushes `repository:tag` to its registry. `registryAuth` is the `X-Registry-Auth` value: URL-safe base64
    /// of `{"username","password","serveraddress"}`, or `DockerEngine.anonymousRegistryAuth`. A refusal by the registry
    /// arrives in-band and ends the stream with `EngineError.inBand`.
    public func push(
        repository: String,
        tag: String,
        registryAuth: String = DockerEngine.anonymousRegistryAuth
    ) -> AsyncThrowingStream<PushEvent, Error> {
        let reference = "\(repository):\(tag)"
        let operation = "push \(reference)"
        return makeStream(operation: operation) { continuation in
            var query = EngineQuery()
            query.add("tag", tag)
            var request = EngineRequest(
                method: .POST,
                path: "/images/\(EngineQuery.percentEncodePath(repository))/push",
                query: query
            )
            request.headers.append(("X-Registry-Auth", registryAuth))
            let response = try await self.execute(request, operation: operation, headTimeout: nil)
            try await self.expectSuccess(response, operation: operation, notFound: "image \(reference)")
            try await forEachJSONMessage(in: response.body, operation: operation) { message in
                if let aux = message.aux, let digest = aux.digest {
                    continuation.yield(.pushed(tag: aux.tag ?? tag, digest: digest, size: aux.size))
                } else if let progress = message.engineProgress {
                    continuation.yield(.progress(progress))
                }
            }
        }
    }

    /// Pulls `image:tag` from its registry; a failure arrives in-band and ends the stream with `.inBand`.
    public func pull(
        image: String,
        tag: String,
        registryAuth: String = DockerEngine.anonymousRegistryAuth
    ) -> AsyncThrowingStream<PullEvent, Error> {
        let operation = "pull \(image):\(tag)"
        return makeStream(operation: operation) { continuation in
            var query = EngineQuery()
            query.add("fromImage", image)
            query.add("tag", tag)
            var request = EngineRequest(method: .POST, path: "/images/create", query: query)
            request.headers.append(("X-Registry-Auth", registryAuth))
            let response = try await self.execute(request, operation: operation, headTimeout: nil)
            try await self.expectSuccess(response, operation: operation, notFound: "image \(image):\(tag)")
            try await forEachJSONMessage(in: response.body, operation: operation) { message in
                if let progress = message.engineProgress {
                    continuation.yield(.progress(progress))
                }
            }
        }
    }
}
