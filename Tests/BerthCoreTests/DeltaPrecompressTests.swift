@testable import BerthCore
import Testing

@Suite("Delta publishes and precompress")
struct DeltaPrecompressTests {
    @Test("with precompress on, every publish is a full build (a layer of changed files has no .gz copies)")
    func precompressBuildsInFull() async throws {
        // An engine that is never asked: the choice is made before any engine call.
        let endpoint = DockerEndpoint.unix(path: "/nonexistent/berth-test.sock")
        let planner = DeltaPlanner(host: DockerHost(name: "web", endpoint: endpoint),
                                   engine: DockerEngine(endpoint: endpoint), environment: [:])
        let plan = await planner.plan(existing: nil, recipe: "sha256:0", base: BaseImage(reference: "nginx", id: "x"),
                                      manifest: SiteManifest(entries: []), versionExists: false, precompress: true)
        #expect(plan.choice.path == .full)
        #expect(plan.choice.reason.contains("precompress"))
        #expect(plan.basis == nil)
    }
}
