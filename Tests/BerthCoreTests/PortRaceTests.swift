import Foundation
import Logging
import Synchronization
import Testing
@testable import BerthCore

/// First publishes that run at the same time (ten at once through `berth serve`) race for the lowest free ports.
@Suite("Port races between first publishes")
struct PortRaceTests {
    @Test("a first publish whose candidate ports others take meanwhile goes on past them, beyond ten, to a free one")
    func firstPublishGoesPastTakenPorts() async throws {
        let deploy = FakeDeploy(host: DockerHost(name: "local", endpoint: .defaultLocal, ports: 8000...8040))
        let engine = deploy.engine
        _ = await engine.addImage(DeployLock.imageName)
        _ = try await SiteNetwork(engine: engine).ensure()
        _ = await engine.addImage("bob/other:v1", labels: [:])
        let raced = Mutex(false)
        await engine.onCall { call in
            // The site's candidate ports are listed by now; other publishes take the 15 lowest of the range.
            guard call == "create \(deploy.siteName)", raced.withLock({ done in defer { done = true }; return !done })
            else { return }
            for port in 8000..<8015 {
                let identity = SiteIdentity(user: "bob", site: "other\(port)")
                let spec = SiteContainerSpec.make(image: "bob/other:v1", server: .nginx, memory: .defaultLimit,
                                                  host: deploy.host, hostPort: port,
                                                  labels: identity.labels(digest: "sha256:1", version: "v1", server: .nginx),
                                                  network: "net", restartPolicy: .unlessStopped)
                if let id = try? await engine.createContainer(name: identity.containerName, config: spec) {
                    try? await engine.startContainer(id)
                }
            }
        }
        let outcome = try await deploy.publish("v1")
        let port = try #require(URLComponents(string: outcome.url)?.port, "\(outcome.url)")
        #expect(port >= 8015, "a port the others did not take: \(outcome.url)")
        #expect(await deploy.answer(port: port) == 200)
    }
}
