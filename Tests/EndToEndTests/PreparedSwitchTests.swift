import BerthCore
import Foundation
import Testing

/// On a host without an edge, a republish starts the new version's final container beside its staging one, on the
/// internal parking network where the engine publishes none of its ports; the switch then only stops the old
/// container and joins the new one to the sites' network. What the real engine must do for that to hold.
@Suite("The final container started ahead", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct PreparedSwitchTests {
    @Test("while the new version is checked its final container runs on the parking network holding no port, the old one serves; a failed check takes it away")
    func preparedHoldsNoPort() async throws {
        try await PublishFixture.run { fixture in
            let site = try OperateTests.site(fixture, saying: "Before")
            let first = try OperateTests.publish(fixture, site)
            let url = try #require(first["url"] as? String)
            let identity = SiteIdentity(user: fixture.user, site: "hello")
            try OperateTests.write("Never", to: site)
            // The new version answers 503: its staging check goes on until --check-timeout.
            let berth = try BackgroundBerth(fixture.cli(["BERTH_TEMPLATES": try fixture.unansweringTemplates()]),
                                            ["publish", site, "--user", fixture.user, "--json",
                                             "--check-timeout", "30"])
            let running = try await BackgroundBerth.eventually(within: .seconds(120)) {
                try await fixture.engine.inspectContainer(identity.preparedContainerName)?.state.running == true
                    || !berth.process.isRunning
            }
            #expect(running && berth.process.isRunning, "\(berth.description)")
            let prepared = try #require(try await fixture.engine.inspectContainer(identity.preparedContainerName))
            #expect(prepared.networkSettings?.networks.map { Array($0.keys) } == [SiteNetwork.parkingName],
                    "on the parking network alone")
            let published = (prepared.networkSettings?.ports ?? [:]).values.compactMap { $0 }.flatMap { $0 }
            #expect(published.isEmpty, "it publishes no port while the old version holds the site's: \(published)")
            let parking = try #require(try await fixture.engine.inspectNetwork(SiteNetwork.parkingName))
            #expect(parking.internal == true)
            #expect(await OperateTests.serves(url)?.contains("Before") == true, "the old version serves meanwhile")

            _ = try await BackgroundBerth.eventually(within: .seconds(200)) { !berth.process.isRunning }
            #expect(berth.process.terminationStatus != 0, "the publish failed its check")
            #expect(try await fixture.engine.inspectContainer(identity.preparedContainerName) == nil,
                    "the final container started ahead is gone")
            #expect(await OperateTests.serves(url)?.contains("Before") == true, "the old version still serves")
        }
    }

    @Test("after a republish the site's container is on the sites' network alone and keeps its port through stop and start")
    func afterTheSwitch() async throws {
        try await PublishFixture.run { fixture in
            let site = try OperateTests.site(fixture, saying: "Before")
            let first = try OperateTests.publish(fixture, site)
            let url = try #require(first["url"] as? String)
            try OperateTests.write("After", to: site)
            let second = try OperateTests.publish(fixture, site)
            #expect(second["url"] as? String == url, "the same URL")
            print("switch with the final container started ahead: \(second["switchSeconds"] ?? "-") s")
            #expect(await OperateTests.serves(url)?.contains("After") == true)

            let identity = SiteIdentity(user: fixture.user, site: "hello")
            let container = try #require(try await fixture.engine.inspectContainer(identity.containerName))
            #expect(container.networkSettings?.networks.map { Array($0.keys) } == [SiteNetwork.name],
                    "it left the parking network")
            #expect(container.hostConfig.restartPolicy?.name == "unless-stopped")
            #expect(try await fixture.engine.inspectContainer(identity.preparedContainerName) == nil)

            let cli = fixture.cli()
            let stopped = try cli.run(["stop", "hello", "--user", fixture.user])
            #expect(stopped.status == 0, "\(stopped)")
            #expect(await OperateTests.serves(url) == nil)
            let started = try cli.run(["start", "hello", "--user", fixture.user])
            #expect(started.status == 0, "\(started)")
            #expect(await OperateTests.serves(url)?.contains("After") == true, "its port is published again")
        }
    }
}
