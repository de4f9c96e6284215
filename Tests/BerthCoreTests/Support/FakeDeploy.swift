import Foundation
import Logging
@testable import BerthCore

/// A site on a `FakeContainerEngine`, and the steps of a publish as `Publisher` takes them once the image exists:
/// the lock, recovery, the pending mark, the replacement.
struct FakeDeploy {
    let engine = FakeContainerEngine()
    var host = DockerHost(name: "local", endpoint: .defaultLocal, ports: 8000...8010)
    let identity = SiteIdentity(user: "alice", site: "blog")
    var probe: FakeSiteProbe { FakeSiteProbe(engine: engine) }
    static let sitePort = 8000

    /// A process of this boot and PID namespace that no longer exists: how a SIGKILLed berth looks to the next.
    static let killedOwner = LockOwner(bootID: LockOwner.current.bootID, pidNamespace: LockOwner.current.pidNamespace,
                                       processID: 4_194_000, startTime: 1, machine: "here", user: "ci")

    var siteName: String { identity.containerName }
    var preparedName: String { identity.preparedContainerName }

    func reference(_ version: String) -> String { "alice/blog:\(version)" }

    func labels(_ version: String) -> [String: String] {
        identity.labels(digest: "sha256:\(version)", version: version, server: .nginx)
    }

    /// A host with the lock image, the sites network, versions `v1` and `v2` kept and `v2` serving on 8000.
    static func serving() async throws -> FakeDeploy {
        let deploy = FakeDeploy()
        _ = await deploy.engine.addImage(DeployLock.imageName)
        _ = try await SiteNetwork(engine: deploy.engine).ensure()
        _ = await deploy.engine.addImage(deploy.reference("v1"), labels: deploy.labels("v1"))
        _ = await deploy.engine.addImage(deploy.reference("v2"), labels: deploy.labels("v2"))
        let id = try await deploy.engine.createContainer(name: deploy.siteName, config: deploy.spec("v2",
                                                         port: sitePort))
        try await deploy.engine.startContainer(id)
        return deploy
    }

    func spec(_ version: String, port: Int?, restart: RestartPolicy = .unlessStopped,
              extraLabels: [String: String] = [:]) -> ContainerCreate {
        SiteContainerSpec.make(image: reference(version), server: .nginx, memory: .defaultLimit, host: host,
                               hostPort: port, labels: labels(version).merging(extraLabels) { _, new in new },
                               network: "net", restartPolicy: restart)
    }

    /// Builds `version` as a publish does: tagged, and marked pending until it serves.
    func build(_ version: String, server: FakeContainerEngine.Server = .serves) async {
        let id = await engine.addImage(reference(version), labels: labels(version), server: server)
        await engine.addTag(identity.pendingReference(version: version), to: id)
    }

    /// A publish of `version` from the point its image exists, as `Publisher.publishLocked` runs it.
    func publish(_ version: String, owner: LockOwner = .current, server: FakeContainerEngine.Server = .serves,
                 checkTimeout: Duration = .seconds(5), finalCheckTimeout: Duration = .seconds(10),
                 ttl: Duration = .seconds(60), checkPath: String? = nil, probe: FakeSiteProbe? = nil) async throws
        -> Replacement.Outcome
    {
        try await DeployLock(engine: engine, identity: identity, ttl: ttl, owner: owner).withLock(wait: .seconds(2)) {
            _ = try await SiteRecovery(host: host, engine: engine, identity: identity).recover()
            await build(version, server: server)
            let existing = try await SiteLocator(host: host, engine: engine).existingContainer(identity)
            var timer = StageTimer(events: { _ in }, logger: Logger(label: "test"))
            var replacement = Replacement(host: host, engine: engine, probe: probe ?? self.probe,
                                          logger: Logger(label: "test"), identity: identity, existing: existing)
            replacement.finalCheckTimeout = finalCheckTimeout
            return try await replacement.run(image: reference(version), server: .nginx, memory: .defaultLimit,
                                             portRequest: .auto, labels: labels(version), checkTimeout: checkTimeout,
                                             checkPath: checkPath, timer: &timer)
        }
    }

    /// The version the site's container runs, and whether it runs.
    func siteVersion() async -> (version: String?, running: Bool)? {
        guard let container = try? await engine.inspectContainer(siteName) else { return nil }
        return (container.labels[BerthLabel.version], container.state.running)
    }

    /// What a GET of the site's URL answers, or nil when nothing does.
    func answer(port: Int = sitePort) async -> Int? {
        try? await engine.answer(port: port).code
    }

    var control: SiteControl { SiteControl(host: host, engine: engine, probe: probe) }
    var rollback: Rollback { Rollback(host: host, engine: engine, probe: probe) }
}
