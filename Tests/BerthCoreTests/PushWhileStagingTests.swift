import Foundation
import Logging
import Testing
@testable import BerthCore

/// The push of a version whose image is already on the target runs beside its staged start and check; the switch
/// waits for both, and a failure of either leaves the previous version as it was.
@Suite("Push while staging: the push and the staged check at once")
struct PushWhileStagingTests {
    struct PushFailed: Error {}

    /// Stages `v3` beside `push`, as `Publisher` does when the image is already on the target.
    func stage(_ deploy: FakeDeploy, server: FakeContainerEngine.Server = .serves, events: Recorder<String>,
               push: @escaping @Sendable (@escaping Publisher.EventHandler) async throws -> Void) async throws
        -> (Replacement.Staged, Replacement, StageTimer)
    {
        await deploy.build("v3", server: server)
        let existing = try await SiteLocator(host: deploy.host, engine: deploy.engine).existingContainer(deploy.identity)
        let replacement = Replacement(host: deploy.host, engine: deploy.engine, probe: deploy.probe,
                                      logger: Logger(label: "test"), identity: deploy.identity, existing: existing)
        let version = Replacement.Version(image: deploy.reference("v3"), server: .nginx, memory: .defaultLimit,
                                          portRequest: .auto, labels: deploy.labels("v3"), checkPath: nil)
        var timer = StageTimer(events: { event in
            switch event {
            case .stageStarted(let stage, _): events.add("\(stage.rawValue) started")
            case .stageFinished(let stage, _): events.add("\(stage.rawValue) finished")
            default: break
            }
        }, logger: Logger(label: "test"))
        let staged = try await PushWhileStaging(replacement: replacement, version: version,
                                                checkTimeout: .milliseconds(800))
            .run(push: push, detail: "registry", timer: &timer)
        return (staged, replacement, timer)
    }

    /// A push that goes on only once the staging container has answered its check: it can only end if the two run
    /// at once.
    static func pushWaitingForStaging(_ deploy: FakeDeploy, then outcome: @escaping @Sendable () throws -> Void)
        -> @Sendable (@escaping Publisher.EventHandler) async throws -> Void
    {
        { _ in
            let deadline = ContinuousClock.now + .seconds(5)
            while await !deploy.engine.calls.contains("start \(deploy.identity.stagingContainerName)") {
                guard ContinuousClock.now < deadline else { throw PushFailed() }
                try await Task.sleep(for: .milliseconds(10))
            }
            try outcome()
        }
    }

    @Test("the staging container starts while the push runs; its events follow the push's, and the switch serves")
    func overlaps() async throws {
        let deploy = try await FakeDeploy.serving()
        let events = Recorder<String>()
        let (staged, replacement, stagedTimer) = try await stage(
            deploy, events: events, push: Self.pushWaitingForStaging(deploy, then: {}))
        #expect(events.values == ["push started", "push finished", "run started", "run finished", "check started"])
        #expect(stagedTimer.seconds["overlap"] != nil, "\(stagedTimer.seconds)")
        #expect(await deploy.siteVersion()?.version == "v2", "the previous version serves until the switch")
        var timer = stagedTimer
        let outcome = try await replacement.switchOver(to: staged, timer: &timer)
        await outcome.stagingRemoval.value
        #expect(await deploy.siteVersion()?.version == "v3")
        #expect(await deploy.answer() == 200)
        #expect(await deploy.engine.containerNames == [deploy.siteName], "the staging container is gone")
    }

    @Test("a push that fails after the version staged removes the staging container; the old one was never stopped")
    func pushFails() async throws {
        let deploy = try await FakeDeploy.serving()
        let events = Recorder<String>()
        await #expect(throws: PushFailed.self) {
            _ = try await stage(deploy, events: events, push: Self.pushWaitingForStaging(deploy, then: {
                throw PushFailed()
            }))
        }
        let calls = await deploy.engine.calls
        #expect(!calls.contains { $0.hasPrefix("stop ") || $0.hasPrefix("rename ") }, "\(calls)")
        #expect(await deploy.engine.containerNames == [deploy.siteName])
        #expect(await deploy.siteVersion()?.version == "v2")
        #expect(await deploy.answer() == 200)
        #expect(events.values.prefix(2) == ["push started", "run started"], "the held events still come: \(events.values)")
    }

    @Test("a staged check that fails while the push succeeds fails the publish with the check's reason")
    func checkFails() async throws {
        let deploy = try await FakeDeploy.serving()
        do {
            _ = try await stage(deploy, server: .answers(503), events: Recorder<String>(), push: { _ in })
            Issue.record("it staged a version that answers 503")
        } catch let error as PublishError {
            #expect("\(error)".contains("503"), "\(error)")
            #expect("\(error)".contains("The previous version still serves"), "\(error)")
        }
        #expect(!(await deploy.engine.calls).contains { $0.hasPrefix("stop ") })
        #expect(await deploy.engine.containerNames == [deploy.siteName])
        #expect(await deploy.answer() == 200)
    }
}
