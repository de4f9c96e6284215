import AsyncHTTPClient
import NIOCore

/// Asks a site's URL for `/` once: the status it answered, or the error that came instead.
public protocol SiteProbe: Sendable {
    func get(_ url: String) async throws -> (code: Int, reason: String)
}

/// The probe over HTTP that publish, rollback and start use.
public struct HTTPSiteProbe: SiteProbe {
    let client: HTTPClient

    /// Shared by all checks: short connect timeout, no redirects followed.
    public static let shared = HTTPSiteProbe(client: {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(2), read: .seconds(5))
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }())

    public func get(_ url: String) async throws -> (code: Int, reason: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let response = try await client.execute(request, timeout: .seconds(3))
        _ = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (Int(response.status.code), response.status.reasonPhrase)
    }
}
