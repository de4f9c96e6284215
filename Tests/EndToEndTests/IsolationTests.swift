import BerthCore
import Foundation
import Testing

/// Users' sites share a host but not a network: no site container can reach another's.
@Suite("Isolation between users' sites", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct IsolationTests {
    @Test("a container on the sites' network cannot reach another user's site; the site still serves its URL")
    func usersCannotReachEachOther() async throws {
        try await PublishFixture.run { alice in
            try await PublishFixture.run { bob in
                let published = try bob.cli().run(["publish", "sites/hello", "--user", bob.user])
                #expect(published.status == 0, "\(published)")
                let url = published.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(try await PublishFixture.get(url).status == 200, "bob's site serves on its published port")

                let container = try #require(try await bob.engine.inspectContainer(
                    SiteIdentity(user: bob.user, site: "hello").containerName))
                #expect(container.networkSettings?.networks.map { Array($0.keys) } == [SiteNetwork.name],
                        "the site is on the sites' network only")
                let address = try #require(container.networkSettings?.networks?[SiteNetwork.name]?.ipAddress)
                // The host reaches the container's own address: it listens there.
                #expect(try await PublishFixture.get("http://\(address):8080/").status == 200)

                // A container of alice's on the same network, as her site's would be, tries bob's container.
                // By the network's ID, as berth joins containers: a second network of the name may exist meanwhile.
                let network = try #require(container.hostConfig.networkMode)
                let probe = try await alice.probeConnection(to: address, port: 8080, network: network)
                #expect(probe == "timeout", "the connection is dropped, not answered: \(probe)")
            }
        }
    }

    @Test("a second sites' network made by a simultaneous publish is settled: sites join the oldest, the extra goes")
    func duplicateSitesNetwork() async throws {
        try await PublishFixture.run { fixture in
            let first = try fixture.cli().run(["publish", "sites/hello", "--user", fixture.user, "--name", "one"])
            #expect(first.status == 0, "\(first)")
            let original = try #require(try await fixture.engine.listNetworks(named: SiteNetwork.name).first)
            // What two publishes creating the network at the same moment leave behind: two of one name.
            let duplicate = try await fixture.engine.createNetwork(NetworkCreate(
                name: SiteNetwork.name, options: original.options ?? [:], labels: original.labels ?? [:],
                checkDuplicate: false))
            defer { EngineFixture.removeNetworkLater(duplicate) }
            // (A publish of another test running meanwhile may settle it first; that is the behaviour under test too.)

            let second = try fixture.cli().run(["publish", "sites/hello", "--user", fixture.user, "--name", "two"])
            #expect(second.status == 0, "an ambiguous network name does not fail the publish: \(second)")
            let container = try #require(try await fixture.engine.inspectContainer(
                SiteIdentity(user: fixture.user, site: "two").containerName))
            #expect(container.hostConfig.networkMode == original.id, "the site joined the oldest network")
            #expect(try await fixture.engine.listNetworks(named: SiteNetwork.name).map(\.id) == [original.id],
                    "the extra network, which no container used, was removed")
        }
    }
}
