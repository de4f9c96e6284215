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
        let asked = Recorder<String>()
        await engine.onCall { call in
            // The staging container's removal is the first call after its check passed: record what served then.
            if call == "remove \(deploy.identity.stagingContainerName)" {
                let staging = await engine.container(named: deploy.identity.stagingContainerName)
                seenDuringCheck.add("staging restart=\(staging?.config.hostConfig.restartPolicy?.name ?? "-") "
                    + "port=\(staging?.boundPort.map(String.init) ?? "-")")
                seenDuringCheck.add("old answers \(await deploy.answer() ?? 0)")
            }
        }
        let outcome = try await deploy.publish("v3", probe: FakeSiteProbe(engine: engine, asked: asked))

        let stagingPort = try #require(asked.values.first.flatMap { URLComponents(string: $0)?.port })
        #expect(stagingPort != FakeDeploy.sitePort, "not the site's port")
        #expect(seenDuringCheck.values.first == "staging restart=no port=\(stagingPort)", "\(seenDuringCheck.values)")
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

    @Test("on a loopback host the engine picks the staging port, outside the host's range, and it is checked there")
    func loopbackStagingPortPickedByTheEngine() async throws {
        let deploy = try await FakeDeploy.serving()
        let engine = deploy.engine
        let bindings = Recorder<String>()
        await engine.onCall { call in
            guard call == "start \(deploy.identity.stagingContainerName)",
                  let staging = await engine.container(named: deploy.identity.stagingContainerName) else { return }
            for binding in staging.config.hostConfig.portBindings.values.joined() {
                bindings.add("\(binding.hostIP ?? "-"):\(binding.hostPort ?? "-")")
            }
        }
        let asked = Recorder<String>()
        _ = try await deploy.publish("v3", probe: FakeSiteProbe(engine: engine, asked: asked))
        let stagingPort = try #require(asked.values.first.flatMap { URLComponents(string: $0)?.port })
        #expect(!deploy.host.ports.contains(stagingPort), "\(asked.values)")
        #expect(bindings.values == ["127.0.0.1:"], "loopback only, the port the engine's choice")
        #expect(await deploy.siteVersion()?.version == "v3")
        #expect(await deploy.engine.containerNames == [deploy.siteName], "the staging container is gone")
    }

    @Test("on a host reached over the network the staging port comes from the host's range, not the site's")
    func remoteStagingPortFromTheRange() async throws {
        var deploy = try await FakeDeploy.serving()
        deploy.host = DockerHost(name: "web", endpoint: try DockerEndpoint(parsing: "tcp://10.0.0.7:2376"),
                                 ports: 8000...8010)
        let asked = Recorder<String>()
        _ = try await deploy.publish("v3", probe: FakeSiteProbe(engine: deploy.engine, asked: asked))
        let stagingURL = try #require(asked.values.first)
        let stagingPort = try #require(URLComponents(string: stagingURL)?.port)
        #expect(stagingURL.hasPrefix("http://10.0.0.7:"), "\(stagingURL)")
        #expect(deploy.host.ports.contains(stagingPort) && stagingPort != FakeDeploy.sitePort, "\(asked.values)")
        #expect(await deploy.siteVersion()?.version == "v3")
        #expect(await deploy.engine.containerNames == [deploy.siteName])
    }

    @Test("the staging container's removal begins once it passed its check, before the switch is done")
    func stagingRemovedBesideTheSwitch() async throws {
        let deploy = try await FakeDeploy.serving()
        let engine = deploy.engine
        let removalBeforeFinalStart = Recorder<Bool>()
        await engine.onCall { call in
            guard call == "connect \(deploy.siteName)" else { return }
            // The switch waits here until the staging container's removal is under way (or 2 s have passed).
            let deadline = ContinuousClock.now + .seconds(2)
            while ContinuousClock.now < deadline {
                if await engine.calls.contains("remove \(deploy.identity.stagingContainerName)") {
                    removalBeforeFinalStart.add(true)
                    return
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
            removalBeforeFinalStart.add(false)
        }
        _ = try await deploy.publish("v3")
        #expect(removalBeforeFinalStart.values == [true], "the removal did not wait for the switch")
        #expect(await deploy.siteVersion()?.version == "v3")
        #expect(await deploy.answer() == 200)
        #expect(await engine.containerNames == [deploy.siteName], "nothing left when the publish returns")
    }

    @Test("the final container starts on the parking network beside the staging one; the switch only joins it to the sites' network")
    func finalStartedAhead() async throws {
        let deploy = try await FakeDeploy.serving()
        let engine = deploy.engine
        let seenBeforeStop = Recorder<String>()
        await engine.onCall { call in
            guard call == "stop \(deploy.identity.parkedContainerName)" else { return }
            let final = await engine.container(named: deploy.siteName)
            seenBeforeStop.add("final \(final?.status ?? "-") port=\(final?.boundPort.map(String.init) ?? "-")")
            seenBeforeStop.add("old answers \(await deploy.answer() ?? 0)")
        }
        let outcome = try await deploy.publish("v3")
        #expect(seenBeforeStop.values == ["final running port=-", "old answers 200"],
                "the final container ran before the old one stopped, holding no port: \(seenBeforeStop.values)")
        let calls = await engine.calls
        let preparedStart = try #require(calls.firstIndex(of: "start \(deploy.preparedName)"), "\(calls)")
        let stop = try #require(calls.firstIndex(of: "stop \(deploy.identity.parkedContainerName)"))
        let connect = try #require(calls.firstIndex(of: "connect \(deploy.siteName)"))
        #expect(preparedStart < stop && stop < connect)
        #expect(!calls[preparedStart...].contains("start \(deploy.siteName)"),
                "no container starts during the switch: \(calls)")
        #expect(calls.contains("disconnect \(deploy.siteName)"), "it leaves the parking network")
        let parking = try #require(await engine.listNetworks(named: SiteNetwork.parkingName).first)
        #expect(parking.internal == true && parking.options?[SiteNetwork.iccOption] == "false")
        #expect(await deploy.siteVersion()?.version == "v3")
        #expect(await deploy.answer() == 200)
        #expect(outcome.url == "http://127.0.0.1:8000/")
        #expect(await engine.containerNames == [deploy.siteName])
        #expect(await engine.container(named: deploy.siteName)?.config.hostConfig.restartPolicy?.name
                == "unless-stopped")
    }

    @Test("joining the sites' network fails (the port is taken): the old version gets its name back and serves again")
    func joinFails() async throws {
        let deploy = try await FakeDeploy.serving()
        await deploy.engine.inject(.fail(.api(operation: "connect", status: 500, message:
            "Bind for 127.0.0.1:8000 failed: port is already allocated")),
                                   where: { $0 == "connect \(deploy.siteName)" })
        do {
            _ = try await deploy.publish("v3")
            Issue.record("the publish succeeded")
        } catch let error as PublishError {
            #expect("\(error)".contains("port 8000 on local is already in use"), "\(error)")
        }
        #expect(await deploy.siteVersion()?.version == "v2")
        #expect(await deploy.siteVersion()?.running == true)
        #expect(await deploy.answer() == 200)
        #expect(await deploy.engine.containerNames == [deploy.siteName])
    }

    @Test("an engine that publishes ports only at a start: the final container is started again on the sites' network")
    func portsOnlyAtStart() async throws {
        let deploy = try await FakeDeploy.serving()
        await deploy.engine.publishPortsOnlyAtStart()
        _ = try await deploy.publish("v3")
        let calls = await deploy.engine.calls
        let connect = try #require(calls.firstIndex(of: "connect \(deploy.siteName)"), "\(calls)")
        #expect(calls[connect...].contains("start \(deploy.siteName)"), "\(calls)")
        #expect(await deploy.siteVersion()?.version == "v3")
        #expect(await deploy.answer() == 200)
        #expect(await deploy.engine.containerNames == [deploy.siteName])
    }

    @Test("a final container started ahead that exited meanwhile is not used: the switch starts one as before")
    func preparedExited() async throws {
        let deploy = try await FakeDeploy.serving()
        let engine = deploy.engine
        // The staging check's first request stops it: both have started by then.
        _ = try await deploy.publish("v3", probe: FakeSiteProbe(engine: engine, before: {
            try? await engine.stopContainer(deploy.preparedName, timeoutSeconds: 0)
        }))
        let calls = await engine.calls
        #expect(calls.contains("remove \(deploy.preparedName)"), "\(calls)")
        #expect(calls.contains("start \(deploy.siteName)"), "\(calls)")
        #expect(await deploy.siteVersion()?.version == "v3")
        #expect(await deploy.answer() == 200)
        #expect(await engine.containerNames == [deploy.siteName])
    }

    @Test("a version that fails its staging check: the final container started ahead goes too")
    func failedCheckRemovesPrepared() async throws {
        let deploy = try await FakeDeploy.serving()
        await #expect(throws: PublishError.self) {
            try await deploy.publish("v3", server: .answers(503), checkTimeout: .milliseconds(500))
        }
        #expect(await deploy.engine.calls.contains("start \(deploy.preparedName)"))
        #expect(await deploy.siteVersion()?.version == "v2")
        #expect(await deploy.answer() == 200)
        #expect(await deploy.engine.containerNames == [deploy.siteName])
    }

    @Test("a switch that fails after the staging check: the staging container is gone too, the old one serves")
    func failedSwitchRemovesStaging() async throws {
        let deploy = try await FakeDeploy.serving()
        for name in [deploy.siteName, deploy.preparedName] {
            await deploy.engine.inject(.fail(.api(operation: "create", status: 500, message: "no space left")),
                                       where: { $0 == "create \(name)" })
        }
        await #expect(throws: PublishError.self) { try await deploy.publish("v3") }
        #expect(await deploy.siteVersion()?.version == "v2")
        #expect(await deploy.answer() == 200)
        #expect(await deploy.engine.containerNames == [deploy.siteName], "no staging container left")
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
        // The switch starts the final container (none was started ahead).
        await engine.inject(.fail(.api(operation: "create", status: 500, message: "no space left")),
                            where: { $0 == "create \(deploy.preparedName)" })
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
        for name in [deploy.siteName, deploy.preparedName] {
            await deploy.engine.inject(.fail(.api(operation: "start", status: 500, message: "OCI runtime failed")),
                                       where: { $0 == "start \(name)" })
        }
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

/// `--keep` after a publish, from the site's images as listed while the new version started.
@Suite("Pruning from an earlier listing")
struct PruningFromAnEarlierListingTests {
    @Test("versions beyond --keep go, and `latest`, moved to the new version since the listing, stays with it")
    func latestMovedSinceTheListing() async throws {
        let deploy = try await FakeDeploy.serving()
        let engine = deploy.engine
        let v2 = try #require(try await engine.inspectImage(deploy.reference("v2"))).id
        await engine.addTag("alice/blog:latest", to: v2)
        _ = try await deploy.publish("v3")
        let listed = try await SiteLocator.siteImages(deploy.identity, on: engine)
        try await engine.tagImage(deploy.reference("v3"), repository: "alice/blog", tag: "latest")

        let removed = try await deploy.control.removeVersions(of: deploy.identity, beyond: 1, images: listed,
                                                              movedNames: ["alice/blog:latest"])
        #expect(Set(removed.map(\.version)) == ["v1", "v2"])
        let v3 = try #require(try await engine.inspectImage(deploy.reference("v3"))).id
        #expect(try await engine.inspectImage("alice/blog:latest")?.id == v3, "latest still names the new version")
        #expect(try await engine.inspectImage(deploy.reference("v2")) == nil)
        #expect(await deploy.siteVersion()?.version == "v3")
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
