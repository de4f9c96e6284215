import BerthCore
import Foundation
import Testing

/// A patched base image reaches sites: the base image's ID decides "up to date", `publish --pull` pulls it, and
/// `berth sites` tells which sites still run on the old one. The base image lives in the test registry.
@Suite("Base image updates on the real Docker Engine", .serialized, .blockingCalls)
struct BaseImageUpdateTests {
    @Test("a changed base under the same tag: publish without --pull is up to date, --pull rebuilds, sites tells",
          .timeLimit(.minutes(10)))
    func pullRebuildsOnANewBase() async throws {
        var cleanUp: [String] = []
        let engine = DockerEngine(endpoint: .defaultLocal)
        try await PublishFixture.run { fixture in
            let repository = "\(fixture.registry)/\(fixture.user)-base/nginx"
            let base = "\(repository):1"
            let auth = RegistryAuthHeader.value(
                for: RegistryCredentials(username: fixture.registryUser, password: fixture.registryPassword,
                                         source: "test"),
                registry: fixture.registry)
            cleanUp.append(base)
            try await engine.tagImage(fixture.nginxImage, repository: repository, tag: "1")
            for try await _ in engine.push(repository: repository, tag: "1", registryAuth: auth) {}

            let cli = fixture.cli()
            func publish(_ site: String, _ name: String, _ extra: [String] = []) throws -> [String: Any] {
                let outcome = try cli.run(["publish", site, "--user", fixture.user, "--name", name, "--json",
                                           "--base-image", base, "--registry", fixture.registry] + extra, timeout: 120)
                #expect(outcome.status == 0, "\(outcome)")
                return try #require(outcome.result, "\(outcome)")
            }
            let site = try fixture.copyOfSite()
            let first = try publish(site, "patched")
            _ = try publish(site, "stale")
            let oldBaseID = try #require(try await engine.inspectImage(base)?.id)

            // The base is patched and pushed under the same tag; this host keeps its old copy until it pulls.
            try await engine.buildRetrying({
                try EngineFixture.tarContext(files: [
                    "Dockerfile": "FROM \(fixture.nginxImage)\nLABEL berth.user=\(fixture.user) test.base=patched\n",
                ])
            }, options: BuildOptions(tags: [base]))
            let newBaseID = try #require(try await engine.inspectImage(base)?.id)
            cleanUp.append(newBaseID)
            #expect(newBaseID != oldBaseID)
            for try await _ in engine.push(repository: repository, tag: "1", registryAuth: auth) {}
            try await engine.tagImage(oldBaseID, repository: repository, tag: "1")

            let unpulled = try publish(site, "patched")
            #expect(unpulled["upToDate"] as? Bool == true, "the host still has the old base: nothing to do")

            let pulled = try publish(site, "patched", ["--pull"])
            #expect(pulled["upToDate"] as? Bool == false, "a new base rebuilds an unchanged site")
            #expect(pulled["digest"] as? String == first["digest"] as? String, "the site's files did not change")
            #expect(pulled["version"] as? String != first["version"] as? String)
            #expect(try await engine.inspectImage(base)?.id == newBaseID, "--pull pulled the patched base")
            let container = try #require(try await engine.inspectContainer(
                SiteIdentity(user: fixture.user, site: "patched").containerName))
            #expect(container.labels[BerthLabel.baseImageID] == newBaseID)
            let url = try #require(pulled["url"] as? String)
            #expect(try await PublishFixture.get(url).status == 200)

            let listed = try cli.run(["sites", "--user", fixture.user, "--json"])
            let outdated = Dictionary(uniqueKeysWithValues: listed.jsonLines.compactMap { line in
                (line["site"] as? String).map { ($0, line["baseOutdated"] as? Bool) }
            })
            #expect(outdated == ["patched": false, "stale": true], "\(listed)")
            let table = try cli.run(["sites", "--user", fixture.user])
            let staleRow = try #require(table.stdout.split(separator: "\n").first { $0.contains("stale") }, "\(table)")
            #expect(staleRow.hasSuffix("outdated"), "\(table)")

            let republished = try publish(site, "stale")
            #expect(republished["upToDate"] as? Bool == false, "an outdated site is rebuilt on the base the host has")
        }
        for image in cleanUp.reversed() {
            _ = try? await engine.removeImage(image, force: true)
        }
    }
}
