import BerthCore
import Foundation
import Testing

/// What berth asks the registry itself (Registry HTTP API v2): whether it wants credentials, and deleting a site's
/// copies. Against the test registry on 127.0.0.1:5000 (htpasswd, deletion enabled by scripts/test-env).
@Suite("Registry", .serialized, .blockingCalls)
struct RegistryTests {
    @Test("without registry credentials, publish fails before building and says how to give them",
          .timeLimit(.minutes(5)))
    func missingCredentials() async throws {
        try await PublishFixture.run { fixture in
            let emptyHome = NSTemporaryDirectory() + "/berth-e2e-home-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: emptyHome, withIntermediateDirectories: true)
            var cli = fixture.cli(["HOME": emptyHome, "DOCKER_CONFIG": emptyHome + "/.docker"])
            cli.environment.removeValue(forKey: "BERTH_REGISTRY_USER")
            cli.environment.removeValue(forKey: "BERTH_REGISTRY_PASSWORD")
            let outcome = try cli.run(["publish", "sites/hello", "--user", fixture.user, "--registry",
                                       fixture.registry, "--json"])
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("registry \(fixture.registry) requires credentials"), "\(outcome)")
            #expect(outcome.stderr.contains("BERTH_REGISTRY_USER") && outcome.stderr.contains("docker login"))
            #expect(!outcome.jsonLines.contains { $0["stage"] as? String == "build" }, "nothing was built")
            let images = try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
            #expect(images.isEmpty)
            #expect(try await fixture.containers().isEmpty)
        }
    }

    @Test("rm --images --registry deletes the site's copies in the registry too", .timeLimit(.minutes(5)))
    func removeRegistryCopies() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let publish = try fixture.cli().run(["publish", site, "--user", fixture.user, "--registry",
                                                 fixture.registry, "--tag", "one"])
            #expect(publish.status == 0, "\(publish)")
            let repository = "\(fixture.user)/hello"
            #expect(Set(try await fixture.registryTags(repository)) == ["one", "latest"])

            let removal = try fixture.cli().run(["rm", "hello", "--user", fixture.user, "--images", "--registry",
                                                 "--json"])
            #expect(removal.status == 0, "\(removal)")
            let result = try #require(removal.jsonLines.first)
            #expect(Set(result["removedFromRegistry"] as? [String] ?? [])
                    == ["\(fixture.registry)/\(repository):one", "\(fixture.registry)/\(repository):latest"])
            #expect(try await fixture.registryTags(repository).isEmpty, "no tag of the site is left in the registry")
            let images = try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
            #expect(images.isEmpty)

            let without = try fixture.cli().run(["rm", "hello", "--user", fixture.user, "--registry"])
            #expect(without.status == 64, "--registry needs --images: \(without)")
        }
    }

    @Test("a registry that does not allow deletion: rm says so, after removing the host's copies",
          .timeLimit(.minutes(5)))
    func registryRefusesDeletion() async throws {
        let registry = try await RefusingRegistry()
        do {
            try await PublishFixture.run { fixture in
                let publish = try fixture.cli().run(["publish", "sites/hello", "--user", fixture.user])
                #expect(publish.status == 0, "\(publish)")
                let removal = try fixture.cli(["BERTH_REGISTRY": registry.address]).run([
                    "rm", "hello", "--user", fixture.user, "--images", "--registry",
                ])
                #expect(removal.status == 1, "\(removal)")
                #expect(removal.stderr.contains("registry \(registry.address) does not allow deleting images"),
                        "\(removal)")
                #expect(removal.stderr.contains("405"), "\(removal)")
                #expect(removal.stderr.contains("removed: its container on local"), "\(removal)")
                #expect(try await fixture.containers().isEmpty, "the host's copies went first")
            }
        } catch {
            await registry.stop()
            throw error
        }
        await registry.stop()
    }
}
