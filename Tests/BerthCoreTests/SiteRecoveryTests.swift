import Foundation
import Logging
import Testing
@testable import BerthCore

/// A publish SIGKILLed before any one of its steps, then each command a person would run next, on the fake
/// engine: every command recovers the site to the version that served last, and none trips over what the killed
/// publish left.
@Suite("Recovery from a killed publish")
struct SiteRecoveryTests {
    enum NextCommand: String, CaseIterable, Sendable {
        case publish, start, stop, rollback, rm, sites
    }

    /// The state-changing calls of a publish of v3 over v2: 1 take the lock; 2, 3 create and start the staging
    /// container (then its check); then, as the two run side by side, the staging one's removal, and the switch:
    /// park the old one, create the final one, stop the old, start the final (then its check), remove the old (the
    /// commit), drop the pending mark; 11 release the lock. 12: not killed.
    static let steps = Array(1...12)

    @Test("killed before step N, then the next command", arguments: steps, NextCommand.allCases)
    func killedThenNext(step: Int, next: NextCommand) async throws {
        let deploy = try await FakeDeploy.serving()
        let engine = deploy.engine
        await engine.kill(beforeCall: step)
        _ = try? await deploy.publish("v3", owner: FakeDeploy.killedOwner)
        #expect(await engine.killed || step >= 12, "the publish was killed before step \(step)")
        let committed = await engine.calls.contains("remove \(deploy.identity.parkedContainerName)")
        let lastChecked = committed ? "v3" : "v2"
        let killedState = await engine.containerNames
        await engine.revive()

        switch next {
        case .publish:
            let outcome = try await deploy.publish("v4")
            #expect(outcome.url == "http://127.0.0.1:8000/", "the site kept its port")
            #expect(await deploy.siteVersion()?.version == "v4")
        case .start:
            let result = try await deploy.control.start(site: "blog", user: "alice", checkTimeout: .seconds(2))
            #expect(result.state == .running)
            #expect(await deploy.siteVersion()?.version == lastChecked)
        case .stop:
            let result = try await deploy.control.stop(site: "blog", user: "alice")
            #expect(result.state == .stopped)
            #expect(await deploy.siteVersion()?.version == lastChecked)
            #expect(await deploy.siteVersion()?.running == false)
        case .rollback:
            let result = try await deploy.rollback.run(site: "blog", user: "alice", to: nil, checkTimeout: .seconds(2),
                                                       events: { _ in })
            #expect(result.version == (committed ? "v2" : "v1"), "never the killed run's unchecked v3")
        case .rm:
            _ = try await deploy.control.remove(site: "blog", user: "alice", removeImages: false)
            #expect(await engine.containerNames.isEmpty, "nothing of the site or the publish is left")
        case .sites:
            let statuses = try await SiteLocator(host: deploy.host, engine: engine).statuses(user: "alice")
            let status = try #require(statuses.first, "the site is listed")
            #expect(statuses.count == 1)
            let leftovers = killedState.contains(deploy.identity.stagingContainerName)
                || killedState.contains(deploy.identity.parkedContainerName)
            if leftovers {
                #expect(status.interruption?.contains("was interrupted") == true, "\(status)")
            } else {
                #expect(status.interruption == nil)
                #expect(status.state == .running)
            }
            #expect(await engine.containerNames == killedState, "sites changes nothing")
            return
        }
        // Whatever the command, nothing the killed publish made is left, and it never counts as served.
        let names = await engine.containerNames
        #expect(!names.contains(deploy.identity.stagingContainerName), "\(names)")
        #expect(!names.contains(deploy.identity.parkedContainerName), "\(names)")
        #expect(!names.contains(DeployLock(engine: engine, identity: deploy.identity).containerName), "\(names)")
        let tags = await engine.tags()
        #expect(!tags.contains { $0.hasPrefix(deploy.identity.pendingRepository) }, "\(tags)")
        if !committed {
            #expect(!tags.contains(deploy.reference("v3")), "the unchecked image is removed: \(tags)")
        }
        if next != .stop && next != .rm {
            #expect(await deploy.answer() == 200, "the site serves")
            let site = try #require(await engine.container(named: deploy.siteName))
            #expect(site.config.hostConfig.restartPolicy?.name == "unless-stopped")
        }
    }

    // The states an older berth's killed publish left (it stopped the old version before its check and ran
    // `-next` on the site's port with restart unless-stopped), built by hand.

    static func legacyNext(_ deploy: FakeDeploy, running: Bool) async throws {
        let engine = deploy.engine
        let old = try #require(await engine.container(named: deploy.siteName))
        try await engine.stopContainer(old.id, timeoutSeconds: 10)
        await deploy.build("v3")
        let next = try await engine.createContainer(name: deploy.identity.stagingContainerName,
                                                    config: deploy.spec("v3", port: FakeDeploy.sitePort))
        if running { try await engine.startContainer(next) }
    }

    @Test("stopped old + running -next on the site's port: start serves the old one, no 'port is already allocated'")
    func legacyRunningNext() async throws {
        let deploy = try await FakeDeploy.serving()
        try await Self.legacyNext(deploy, running: true)
        let statuses = try await SiteLocator(host: deploy.host, engine: deploy.engine).statuses(user: "alice")
        #expect(statuses.first?.state == .stopped)
        #expect(statuses.first?.interruption?.contains(deploy.identity.stagingContainerName) == true,
                "not just 'stopped'")
        let result = try await deploy.control.start(site: "blog", user: "alice", checkTimeout: .seconds(2))
        #expect(result.state == .running)
        #expect(await deploy.siteVersion()?.version == "v2")
        #expect(await deploy.engine.containerNames == [deploy.siteName])
        #expect(!(await deploy.engine.tags()).contains(deploy.reference("v3")))
    }

    @Test("stopped old + dead -next: publish recovers and replaces; rollback never picks -next's image")
    func legacyDeadNext() async throws {
        let deploy = try await FakeDeploy.serving()
        try await Self.legacyNext(deploy, running: false)
        let rolledBack = try await deploy.rollback.run(site: "blog", user: "alice", to: nil, checkTimeout: .seconds(2),
                                                       events: { _ in })
        #expect(rolledBack.version == "v1")
        #expect(await deploy.answer() == 200)
        #expect(await deploy.engine.containerNames == [deploy.siteName])
    }

    @Test("-next only (a first publish killed): start says there is no site; publish starts afresh")
    func onlyNext() async throws {
        let deploy = FakeDeploy()
        _ = await deploy.engine.addImage(DeployLock.imageName)
        await deploy.build("v1")
        _ = try await deploy.engine.createContainer(name: deploy.identity.stagingContainerName,
                                                    config: deploy.spec("v1", port: 8003, restart: .no))
        let statuses = try await SiteLocator(host: deploy.host, engine: deploy.engine).statuses(user: "alice")
        #expect(statuses.first?.interruption != nil, "listed, with what happened")
        await #expect(throws: SiteLookupError.self) {
            try await deploy.control.start(site: "blog", user: "alice", checkTimeout: .seconds(1))
        }
        #expect(await deploy.engine.containerNames.isEmpty, "the leftover was removed")
        _ = try await deploy.publish("v2")
        #expect(await deploy.siteVersion()?.version == "v2")
    }

    @Test("final container missing (old parked as -old): stop and start find the site and give it its name back")
    func finalMissing() async throws {
        let deploy = try await FakeDeploy.serving()
        let old = try #require(await deploy.engine.container(named: deploy.siteName))
        try await deploy.engine.renameContainer(old.id, to: deploy.identity.parkedContainerName)
        try await deploy.engine.stopContainer(old.id, timeoutSeconds: 10)
        #expect(try await SiteLocator(host: deploy.host, engine: deploy.engine).containers(user: "alice").isEmpty)
        let result = try await deploy.control.start(site: "blog", user: "alice", checkTimeout: .seconds(2))
        #expect(result.containerName == deploy.siteName)
        #expect(await deploy.siteVersion()?.version == "v2")
        #expect(await deploy.answer() == 200)
    }

    @Test("another container on the site's port: start names it")
    func portHeldByAnother() async throws {
        let deploy = try await FakeDeploy.serving()
        let site = try #require(await deploy.engine.container(named: deploy.siteName))
        try await deploy.engine.stopContainer(site.id, timeoutSeconds: 10)
        let squatter = try await deploy.engine.createContainer(name: "squatter", config: deploy.spec("v1", port: 8000))
        try await deploy.engine.startContainer(squatter)
        do {
            _ = try await deploy.control.start(site: "blog", user: "alice", checkTimeout: .seconds(1))
            Issue.record("it started")
        } catch let error as SiteOperationError {
            #expect("\(error)".contains("its port 8000 is in use by the container squatter"), "\(error)")
        }
    }

    @Test("a site stopped before a publish that was killed stays stopped after recovery")
    func stoppedSiteStaysStopped() async throws {
        let deploy = try await FakeDeploy.serving()
        _ = try await deploy.control.stop(site: "blog", user: "alice")
        await deploy.engine.kill(beforeCall: 4)  // after the staging container's check, before the switch
        _ = try? await deploy.publish("v3", owner: FakeDeploy.killedOwner)
        await deploy.engine.revive()
        let actions = try await SiteRecovery(host: deploy.host, engine: deploy.engine, identity: deploy.identity)
            .recover()
        #expect(actions.contains { $0.contains("-next") }, "\(actions)")
        #expect(await deploy.siteVersion()?.running == false)
    }
}
