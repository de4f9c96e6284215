import Hummingbird

/// The API's routes, registered on the router and recorded, so that a test can hold them against the OpenAPI
/// document.
struct RouteTable {
    typealias Handler = @Sendable (Request, ServerRequestContext) async throws -> Response

    let router: Router<ServerRequestContext>
    private(set) var routes: [APIRoute] = []

    init(router: Router<ServerRequestContext>) {
        self.router = router
    }

    /// `path` as OpenAPI writes it (`/v1/sites/{site}`).
    mutating func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        routes.append(APIRoute(method: method.rawValue.lowercased(), path: path))
        let hummingbirdPath = path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : part
        }.joined(separator: "/")
        router.on(RouterPath(hummingbirdPath), method: method, use: handler)
    }
}

/// One route: a lower-case method and an OpenAPI path.
public struct APIRoute: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var method: String
    public var path: String

    public static func < (lhs: APIRoute, rhs: APIRoute) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
    public var description: String { "\(method.uppercased()) \(path)" }
}
