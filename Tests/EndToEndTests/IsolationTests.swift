import BerthCore
import Foundation
import Testing

/// Users' sites share a host but not a network: no site container can reach another's.
@Suite("Isolation between users' sites")
struct IsolationTests {
    @Test("a container on the sites' network cannot reach another user's site; the site still serves its URL")
    func usersCannotReachEachOther() async throws {
        try await PublishFixture.run { alice in
            try await PublishFixture.run { bob in
                let published = try bob.cli().run(["publish", "sites/hello", "--user", bob.user])
                #expect(published.status == 0, "\(published)")
                let url = published.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(try await PublishFixture.get(url).status == 200, "bob's site serves on its published port")

                let container = try #require(try await bob.engine.inspectContainer("berth-\(bob.user)-hello"))
                #expect(container.hostConfig.networkMode == SiteNetwork.name)
                let address = try #require(container.networkSettings?.networks?[SiteNetwork.name]?.ipAddress)
                // The host reaches the container's own address: it listens there.
                #expect(try await PublishFixture.get("http://\(address):8080/").status == 200)

                // A container of alice's on the same network, as her site's would be, tries bob's container.
                let probe = try await alice.probeConnection(to: address, port: 8080, network: SiteNetwork.name)
                #expect(probe == "timeout", "the connection is dropped, not answered: \(probe)")
            }
        }
    }
}
