import BerthCore
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
        router.on(RouterPath(Self.hummingbirdPath(path)), method: method, use: handler)
    }

    /// Methods a path does not have are answered 405 with `Allow` (not 404: the path exists). Called once every
    /// route is added; these answers are not routes of the API, so they are not recorded.
    func refuseOtherMethods() {
        let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options, .trace]
            + [HTTPRequest.Method("QUERY")].compactMap { $0 }
        for path in Set(routes.map(\.path)) {
            let allowed = Set(routes.filter { $0.path == path }.map(\.method))
            let allow = allowed.sorted().map { $0.uppercased() }.joined(separator: ", ")
            let hummingbirdPath = Self.hummingbirdPath(path)
            for method in methods where !allowed.contains(method.rawValue.lowercased()) {
                // HEAD is answered with GET's route where there is one.
                if method == .head && allowed.contains("get") { continue }
                router.on(RouterPath(hummingbirdPath), method: method) { request, _ in
                    var response = ProblemResponse.response(BerthProblem(
                        .methodNotAllowed, "\(path) does not take \(request.method); it takes \(allow)"))
                    response.headers[.allow] = allow
                    return response
                }
            }
        }
    }

    static func hummingbirdPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : part
        }.joined(separator: "/")
    }
}

/// One route: a lower-case method and an OpenAPI path.
public struct APIRoute: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var method: String
    public var path: String

    public static func < (lhs: APIRoute, rhs: APIRoute) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
    public var description: String { "\(method.uppercased()) \(path)" }
}
