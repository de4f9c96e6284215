import Foundation
import Testing
import Yams
@testable import BerthServer

@Suite("The OpenAPI document is true to the server")
struct OpenAPIDocumentTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test("every route the router answers is in openapi.yaml, and every path and method there is a route")
    func routesMatchDocument() async throws {
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        let methods = ["get", "put", "post", "delete", "patch", "head", "options"]
        var documented: Set<APIRoute> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where methods.contains(method) {
                documented.insert(APIRoute(method: method, path: path))
            }
        }
        let served = Set(try await BerthServe.routes)
        #expect(served.subtracting(documented).sorted() == [], "routes missing from openapi.yaml")
        #expect(documented.subtracting(served).sorted() == [], "documented routes the server does not have")
        #expect(served.count >= 15)
    }

    @Test("the document built into berth is openapi.yaml (run scripts/embed-openapi after changing it)")
    func embeddedCopyIsCurrent() throws {
        let file = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        #expect(OpenAPIDocument.yaml + "\n" == file)
    }
}
