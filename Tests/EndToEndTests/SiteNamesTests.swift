import BerthCore
import Foundation
import Testing

/// Injective container names, and sites an earlier berth published under the legacy names, end to end.
@Suite("Site names on the real Docker Engine", .serialized, .blockingCalls)
struct SiteNamesTests {
    static func publish(_ fixture: PublishFixture, _ site: String, user: String, name: String? = nil) throws
        -> [String: Any]
    {
        let outcome = try fixture.cli().run(
            ["publish", site, "--user", user, "--json"] + (name.map { ["--name", $0] } ?? []), timeout: 120)
        #expect(outcome.status == 0, "\(outcome)")
        return try #require(outcome.result, "\(outcome)")
    }

    /// Turns a site's container into what the previous berth left: the same container under `berth-USER-SITE`.
    static func makeLegacy(_ fixture: PublishFixture, _ identity: SiteIdentity) async throws {
        let container = try #require(try await fixture.engine.inspectContainer(identity.containerName))
        try await fixture.engine.renameContainer(container.id, to: identity.legacyContainerName)
    }

    /// The names of `identity`'s containers on the engine.
    static func containerNames(_ fixture: PublishFixture, _ identity: SiteIdentity) async throws -> [String] {
        try await fixture.engine.listContainers(
            all: true, labelFilters: ["\(BerthLabel.user)=\(identity.user)", "\(BerthLabel.site)=\(identity.site)"]
        ).compactMap(\.name)
    }

    @Test("a legacy-named site is listed, stopped, started, logged, republished (renamed) and rolled back",
          .timeLimit(.minutes(10)))
    func legacySite() async throws {
        try await PublishFixture.run { fixture in
            let identity = SiteIdentity(user: fixture.user, site: "hello")
            let site = try OperateTests.site(fixture, saying: "Version one")
            let first = try Self.publish(fixture, site, user: fixture.user)
            let url = try #require(first["url"] as? String)
            try await Self.makeLegacy(fixture, identity)
            let cli = fixture.cli()

            let listed = try cli.run(["sites", "--user", fixture.user, "--json"])
            #expect(listed.jsonLines.first?["containerName"] as? String == identity.legacyContainerName, "\(listed)")
            let stopped = try cli.run(["stop", "hello", "--user", fixture.user])
            #expect(stopped.status == 0, "\(stopped)")
            #expect(await OperateTests.serves(url) == nil)
            let started = try cli.run(["start", "hello", "--user", fixture.user])
            #expect(started.status == 0, "\(started)")
            #expect(await OperateTests.serves(url)?.contains("Version one") == true)
            let logs = try cli.run(["logs", "hello", "--user", fixture.user])
            #expect(logs.status == 0 && logs.stdout.contains("GET / "), "\(logs)")

            try OperateTests.write("Version two", to: site)
            let second = try Self.publish(fixture, site, user: fixture.user)
            #expect(second["url"] as? String == url, "the site keeps its port")
            #expect(second["containerName"] as? String == identity.containerName)
            #expect(try await Self.containerNames(fixture, identity) == [identity.containerName],
                    "the legacy container was replaced by one under the new name")
            #expect(await OperateTests.serves(url)?.contains("Version two") == true)

            try await Self.makeLegacy(fixture, identity)
            let rolledBack = try cli.run(["rollback", "hello", "--user", fixture.user, "--json"], timeout: 120)
            #expect(rolledBack.status == 0, "\(rolledBack)")
            #expect(try await Self.containerNames(fixture, identity) == [identity.containerName])
            #expect(await OperateTests.serves(url)?.contains("Version one") == true)

            try await Self.makeLegacy(fixture, identity)
            let removed = try cli.run(["rm", "hello", "--user", fixture.user])
            #expect(removed.status == 0, "\(removed)")
            #expect(try await Self.containerNames(fixture, identity).isEmpty)
        }
    }

    @Test("user-x/y and user/x-y, whose old names were one, are two sites; a legacy container blocks no other",
          .timeLimit(.minutes(10)))
    func formerlyClashingNames() async throws {
        try await PublishFixture.run { fixture in
            let dashed = SiteIdentity(user: fixture.user + "-x", site: "y")
            let plain = SiteIdentity(user: fixture.user, site: "x-y")
            #expect(dashed.legacyContainerName == plain.legacyContainerName)
            do {
                let dashedSite = try OperateTests.site(fixture, saying: "I am x/y")
                let plainSite = try OperateTests.site(fixture, saying: "I am x-y")

                let dashedURL = try #require(try Self.publish(fixture, dashedSite, user: dashed.user, name: "y")["url"]
                    as? String)
                // As the previous berth would have left it, under the name both identities had.
                try await Self.makeLegacy(fixture, dashed)
                let plainResult = try Self.publish(fixture, plainSite, user: plain.user, name: "x-y")
                let plainURL = try #require(plainResult["url"] as? String)
                #expect(plainURL != dashedURL)
                #expect(plainResult["containerName"] as? String == plain.containerName)
                #expect(await OperateTests.serves(dashedURL)?.contains("I am x/y") == true,
                        "the other site is untouched")
                #expect(await OperateTests.serves(plainURL)?.contains("I am x-y") == true)

                try OperateTests.write("I am still x/y", to: dashedSite)
                _ = try Self.publish(fixture, dashedSite, user: dashed.user, name: "y")
                #expect(try await Self.containerNames(fixture, dashed) == [dashed.containerName])
                #expect(await OperateTests.serves(dashedURL)?.contains("I am still x/y") == true)
                #expect(await OperateTests.serves(plainURL)?.contains("I am x-y") == true)
            } catch {
                await Self.removeImages(of: dashed.user, engine: fixture.engine)
                throw error
            }
            await Self.removeImages(of: dashed.user, engine: fixture.engine)
        }
    }

    @Test("a container berth did not make under a site's or a lock's name is left alone; no message says remove it",
          .timeLimit(.minutes(5)))
    func foreignContainersUnderBerthNames() async throws {
        try await PublishFixture.run { fixture in
            let taken = SiteIdentity(user: fixture.user, site: "taken")
            let locked = SiteIdentity(user: fixture.user, site: "locked")
            let plainSite = try await fixture.startPlainContainer(name: taken.containerName)
            let plainLock = try await fixture.startPlainContainer(name: locked.lockContainerName)
            let site = try fixture.copyOfSite()
            for (identity, says) in [(taken, "berth did not create it"), (locked, "not berth's lock")] {
                let outcome = try fixture.cli().run(
                    ["publish", site, "--user", fixture.user, "--name", identity.site, "--lock-wait", "2"], timeout: 60)
                #expect(outcome.status != 0, "\(outcome)")
                #expect(outcome.stderr.contains(says), "\(outcome)")
                #expect(!outcome.stderr.lowercased().contains("remove"), "\(outcome)")
            }
            for id in [plainSite, plainLock] {
                #expect(try await fixture.engine.inspectContainer(id)?.state.running == true)
            }
        }
    }

    @Test("a directory named 日本 or lock is refused without --name, naming it; --user lock is refused")
    func unusableNames() throws {
        let fixtureless = BerthCLI(removing: ["BERTH_USER"])
        let root = NSTemporaryDirectory() + "/berth-e2e-names-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for directory in ["日本", "lock"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
            try "hi".write(toFile: root + "/\(directory)/index.html", atomically: true, encoding: .utf8)
            for command in [["publish"], ["render"]] {
                let outcome = try fixtureless.run(command + [root + "/" + directory, "--user", "ann"], timeout: 30)
                #expect(outcome.status != 0, "\(outcome)")
                #expect(outcome.stderr.contains("'\(directory)'") && outcome.stderr.contains("--name"), "\(outcome)")
            }
        }
        let named = try fixtureless.run(["render", root + "/日本", "--user", "ann", "--name", "nihon"], timeout: 30)
        #expect(named.status == 0 && named.stdout.contains("berth.site=\"nihon\""), "\(named)")
        let lockUser = try fixtureless.run(["render", root + "/日本", "--user", "lock", "--name", "nihon"],
                                           timeout: 30)
        #expect(lockUser.status != 0 && lockUser.stderr.contains("reserved"), "\(lockUser)")
    }

    /// Images of a second user a test made, which the fixture's clean-up (by its own user) does not see.
    static func removeImages(of user: String, engine: DockerEngine) async {
        for image in (try? await engine.listImages(labelFilters: ["\(BerthLabel.user)=\(user)"])) ?? [] {
            try? await engine.removeImage(image.id, force: true)
        }
    }
}
