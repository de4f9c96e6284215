import AsyncHTTPClient
import Foundation
import NIOCore

extension DockerEngine {
    private static func archivePath(_ id: String) -> String {
        "/containers/\(EngineQuery.percentEncodePath(id))/archive"
    }

    /// Extracts a tar archive into a container under `path` (`PUT /containers/{id}/archive`). Works on a created,
    /// never started container too. The entries keep the modification times the archive gives them.
    public func putArchive(_ id: String, path: String, tar: [UInt8]) async throws {
        var query = EngineQuery()
        query.add("path", path)
        var request = EngineRequest(method: .PUT, path: Self.archivePath(id), query: query)
        request.headers.append(("Content-Type", "application/x-tar"))
        request.body = .bytes(ByteBuffer(bytes: tar))
        try await send(request, operation: "write files into the container \(id)", notFound: "container \(id)")
    }

    /// The stat of `path` in a container (`HEAD /containers/{id}/archive`), or nil when the path (or the
    /// container) does not exist.
    public func statPath(_ id: String, path: String) async throws -> ContainerPathStat? {
        let operation = "read the file \(path) of the container \(id)"
        var query = EngineQuery()
        query.add("path", path)
        let request = EngineRequest(method: .HEAD, path: Self.archivePath(id), query: query)
        return try await withTimeout(requestTimeout, operation: operation) {
            let response = try await self.execute(request, operation: operation, headTimeout: self.requestTimeout)
            if response.status == .notFound { return nil }
            try await self.expectSuccess(response, operation: operation)
            guard let header = response.headers.first(name: "X-Docker-Container-Path-Stat"),
                  let json = Data(base64Encoded: header)
            else {
                throw EngineError.invalidResponse(operation: operation,
                                                  reason: "no X-Docker-Container-Path-Stat header")
            }
            do {
                return try JSONDecoder().decode(ContainerPathStat.self, from: json)
            } catch {
                throw EngineError.invalidResponse(operation: operation, reason: "\(error)")
            }
        }
    }
}
