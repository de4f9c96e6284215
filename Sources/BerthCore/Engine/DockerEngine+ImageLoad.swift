import AsyncHTTPClient
import Foundation
import NIOCore

extension DockerEngine {
    /// Loads a docker-save archive (`POST /images/load`) read from the file at `path`, streamed. The classic
    /// image store opens a layer's file only when the engine lacks that layer, so an archive may carry only the
    /// layers that are new. A failure arrives in-band and throws `EngineError.inBand`.
    public func loadImages(fromArchiveAt path: String) async throws -> [String] {
        let operation = "load an image"
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw EngineError.invalidResponse(operation: operation, reason: "cannot read \(path)")
        }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        var query = EngineQuery()
        query.add("quiet", true)
        var request = EngineRequest(method: .POST, path: "/images/load", query: query)
        request.headers.append(("Content-Type", "application/x-tar"))
        request.body = .stream(FileChunks(handle: handle), length: size.map { .known(Int64($0)) } ?? .unknown)
        let response = try await execute(request, operation: operation, headTimeout: nil)
        try await expectSuccess(response, operation: operation)
        var loaded: [String] = []
        try await forEachJSONMessage(in: response.body, operation: operation) { message in
            if let text = message.stream, let range = text.range(of: "Loaded image: ") {
                loaded.append(text[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return loaded
    }

    /// The tar the engine makes of `path` in a container (`GET /containers/{id}/archive`), whole, or nil when
    /// there is no such path. Works on a stopped container too.
    public func archive(_ id: String, path: String, limit: Int = 256 * 1024 * 1024) async throws -> [UInt8]? {
        let operation = "read \(path) from the container \(id)"
        var query = EngineQuery()
        query.add("path", path)
        let request = EngineRequest(method: .GET, path: "/containers/\(EngineQuery.percentEncodePath(id))/archive",
                                    query: query)
        return try await withTimeout(requestTimeout, operation: operation) {
            let response = try await self.execute(request, operation: operation, headTimeout: self.requestTimeout)
            if response.status == .notFound { return nil }
            try await self.expectSuccess(response, operation: operation)
            let body = try await self.collectBody(response, operation: operation, limit: limit)
            return Array(buffer: body)
        }
    }

    /// An image's details as the engine's JSON, for copying its configuration field by field.
    func inspectImageJSON(_ image: String) async throws -> JSONValue? {
        try await inspect(JSONValue.self, path: "/images/\(EngineQuery.percentEncodePath(image))/json",
                          what: "image \(image)")
    }
}

extension DockerEngine {
    /// An image's history, newest step first (`GET /images/{id}/history`).
    func imageHistory(_ image: String) async throws -> [ImageHistoryStep] {
        try await getJSON([ImageHistoryStep].self, path: "/images/\(EngineQuery.percentEncodePath(image))/history",
                          operation: "read the history of the image \(image)", notFound: "image \(image)")
    }
}

/// One step of an image's history as the engine answers it.
struct ImageHistoryStep: Decodable, Sendable {
    var created: Int64?
    var createdBy: String?
    var comment: String?
    var size: Int64?

    enum CodingKeys: String, CodingKey {
        case created = "Created"
        case createdBy = "CreatedBy"
        case comment = "Comment"
        case size = "Size"
    }
}

/// A file read in chunks, as a request body.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let handle: FileHandle

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        mutating func next() async throws -> ByteBuffer? {
            guard let data = try handle.read(upToCount: 1024 * 1024), !data.isEmpty else { return nil }
            return ByteBuffer(data: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
}

/// How the engine stores images (`GET /info`): its graph driver and what the driver says of itself.
public struct EngineStorageInfo: Decodable, Sendable {
    public var driver: String?
    /// Pairs such as `["driver-type", "io.containerd.snapshotter.v1"]`.
    public var driverStatus: [[String]]?

    /// The containerd snapshotter's name when the engine keeps images in containerd's store, where a docker-save
    /// archive must hold every layer.
    public var containerdSnapshotter: String? {
        for pair in driverStatus ?? [] where pair.contains(where: { $0.hasPrefix("io.containerd.snapshotter") }) {
            return pair.last ?? "containerd"
        }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case driver = "Driver"
        case driverStatus = "DriverStatus"
    }
}

extension DockerEngine {
    public func storageInfo() async throws -> EngineStorageInfo {
        try await getJSON(EngineStorageInfo.self, path: "/info", operation: "describe its image store")
    }
}
