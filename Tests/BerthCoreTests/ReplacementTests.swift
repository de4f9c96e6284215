import Foundation
import Logging
import Testing
@testable import BerthCore

/// Replacing a site's version on the fake engine: the new version is checked on a staging port while the old one
/// serves, and the old one stops only for the switch.
@Suite("Replacement: check before the old version stops")
struct ReplacementTests {
    @Test("the new version runs as -next on another port, restart policy no, and is checked before the old stops")
    func checkedBeforeTheOldStops() async throws {
        let deploy = try await FakeDeploy.serving()
        let engine = deploy.engine
        let seenDuringCheck = Recorder<String>()
        await engine.onCall { call in
            // The first call after the staging container started is the switch: record what served until then.
            if call.hasPrefix("rename \(deploy.siteName) ") {
                let staging = await engine.container(named: deploy.identity.stagingContainerName)
                seenDuringCheck.add("staging restart=\(staging?.config.hostConfig.restartPolicy?.name ?? "-") "
                    + "port=\(staging?.boundPort.map(String.init) ?? "-")")
                seenDuringCheck.add("old answers \(await deploy.answer() ?? 0)")
            }
        }
        let outcome = try await deploy.publish("v3")

        #expect(seenDuringCheck.values.first?.hasPrefix("staging restart=no port=800") == true,
                "\(seenDuringCheck.values)")
        #expect(!(seenDuringCheck.values.first ?? "").hasSuffix("port=8000"), "not the site's port")
        #expect(seenDuringCheck.values.last == "old answers 200", "the old version served during the check")
        let calls = await engine.calls
        let stop = try #require(calls.firstIndex(of: "stop \(deploy.identity.parkedContainerName)"), "\(calls)")
        let stagingStart = try #require(calls.firstIndex(of: "start \(deploy.identity.stagingContainerName)"))
        #expect(stagingStart < stop)
        #expect(await deploy.siteVersion()?.version == "v3")
        #expect(await deploy.answer() == 200)
        #expect(outcome.url == "http://127.0.0.1:8000/")
        #expect(await engine.containerNames == [deploy.siteName], "staging and old are gone, the lock released")
        let final = try #require(await engine.container(named: deploy.siteName))
        #expect(final.config.hostConfig.restartPolicy?.name == "unless-stopped")
        #expect(!(await engine.tags()).contains(deploy.identity.pendingReference(version: "v3")),
                "a version that served is no longer pending")
        #expect(outcome.switchSeconds != nil)
    }

    @Test("check_path is what both checks ask: the staging one, and the final one on the site's port")
    func checkPathAskedByBothChecks() async throws {
        let deploy = try await FakeDeploy.serving()
        let asked = Recorder<String>()
        let outcome = try await deploy.publish("v3", checkPath: "/health.html",
                                               probe: FakeSiteProbe(engine: deploy.engine, asked: asked))
        #expect(outcome.url == "http://127.0.0.1:8000/")
        #expect(asked.values.allSatisfy { $0.hasSuffix("/health.html") }, "never /: \(asked.values)")
        #expect(asked.values.contains("http://127.0.0.1:\(FakeDeploy.sitePort)/health.html"), "\(asked.values)")
        #expect(asked.values.contains { !$0.contains(":\(FakeDeploy.sitePort)/") }, "the staging check: \(asked.values)")
    }

    @Test("a version that answers 503 fails the publish; the old version is never stopped")
    func failedCheckLeavesTheOldAlone() async throws {
        let deploy = try await FakeDeploy.serving()
        await #expect(throws: PublishError.self) {
            try await deploy.publish("v3", server: .answers(503), checkTimeout: .milliseconds(500))
        }
        let calls = await deploy.engine.calls
        #expect(!calls.contains { $0.hasPrefix("stop ") }, "\(calls)")
        #expect(await deploy.siteVersion()?.version == "v2")
        #expect(await deploy.answer() == 200)
        #expect(await deploy.engine.containerNames == [deploy.siteName])
    }

    @Test("a crash is noticed at once, not after the check time, and the error quotes nginx's [emerg] line")
    func crashNoticedAtOnce() async throws {
        let deploy = try await FakeDeploy.serving()
        let emerg = "nginx: [emerg] unknown directive \"this_is_not_a_directive\" in /etc/nginx/nginx.conf:40"
        let started = ContinuousClock.now
        do {
            _ = try await deploy.publish("v3", server: .crashes(["starting", emerg]), checkTimeout: .seconds(60))
            Issue.record("the publish succeeded")
        } catch let error as PublishError {
            #expect("\(error)".contains("[emerg] unknown directive"), "\(error)")
            #expect("\(error)".contains("The previous version still serves"), "\(error)")
        }
        // A wide margin: a loaded machine must not make "at once" look like "after the check time".
        #expect(ContinuousClock.now - started < .seconds(20), "well before the 60 s check time")
        #expect(await deploy.answer() == 200)
    }

    @Test("a final container that crash-loops on the site's port is noticed at once and the old one restored")
    func finalCrashLoop() async throws {
        let deploy = try await FakeDeploy.serving()
        let engine = deploy.engine
        await engine.onCall { call in
            // It served on staging; on the site's port (restart unless-stopped) it crashes.
            if call == "create \(deploy.siteName)" {
                await engine.setServer(of: deploy.reference("v3"), to: .crashes(["nginx: [emerg] bind() failed"]))
            }
        }
        let started = ContinuousClock.now
        do {
            _ = try await deploy.publish("v3", finalCheckTimeout: .seconds(60))
            Issue.record("the publish succeeded")
        } catch let error as PublishError {
            #expect("\(error)".contains("keeps crashing"), "\(error)")
            #expect("\(error)".contains("[emerg] bind() failed"), "\(error)")
            #expect("\(error)".contains("The previous version was started again"), "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(20), "not the 60 s final check time")
        #expect(await deploy.siteVersion()?.version == "v2")
        #expect(await deploy.siteVersion()?.running == true)
        #expect(await deploy.answer() == 200)
        #expect(await engine.containerNames == [deploy.siteName])
    }

    @Test("when starting the final container fails, the old one gets its name back and is started again")
    func finalStartFails() async throws {
        let deploy = try await FakeDeploy.serving()
        await deploy.engine.inject(.fail(.api(operation: "start", status: 500, message: "OCI runtime failed")),
                                   where: { $0 == "start \(deploy.siteName)" })
        await #expect(throws: PublishError.self) { try await deploy.publish("v3") }
        #expect(await deploy.siteVersion()?.version == "v2")
        #expect(await deploy.answer() == 200)
        #expect(await deploy.engine.containerNames == [deploy.siteName])
    }

    @Test("a fixed port another container holds: the error names that container; the old version serves on")
    func fixedPortHeld() async throws {
        let deploy = try await FakeDeploy.serving()
        let engine = deploy.engine
        let other = try await engine.createContainer(name: "someone-else", config: deploy.spec("v1", port: 8005))
        try await engine.startContainer(other)
        var timer = StageTimer(events: { _ in }, logger: Logger(label: "test"))
        await deploy.build("v3")
        let existing = try await SiteLocator(host: deploy.host, engine: engine).existingContainer(deploy.identity)
        do {
            _ = try await Replacement(host: deploy.host, engine: engine, probe: deploy.probe,
                                      logger: Logger(label: "test"), identity: deploy.identity, existing: existing)
                .run(image: deploy.reference("v3"), server: .nginx, memory: .defaultLimit, portRequest: .fixed(8005),
                     labels: deploy.labels("v3"), checkTimeout: .seconds(2), timer: &timer)
            Issue.record("it replaced the site")
        } catch let error as PublishError {
            #expect("\(error)".contains("port 8005 on local is already in use by the container someone-else"),
                    "\(error)")
        }
        #expect(await deploy.siteVersion()?.version == "v2")
        #expect(await deploy.answer() == 200)
    }
}

/// Collects values from concurrent code.
final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Value] = []

    func add(_ value: Value) {
        lock.lock()
        stored.append(value)
        lock.unlock()
    }

    var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
