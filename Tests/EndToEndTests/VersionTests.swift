import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What counts as a kept version: one content per tag, and nothing a failed or interrupted publish built.
@Suite("Versions a publish keeps", .serialized, .blockingCalls)
struct VersionTests {
    @Test("--tag reused for other content is refused, naming the tag and what it names; same content is fine",
          .timeLimit(.minutes(6)))
    func tagReuse() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let first = try fixture.cli().run(["publish", site, "--user", fixture.user, "--tag", "v1", "--json"])
            #expect(first.status == 0, "\(first)")
            let digest = try #require(first.result?["digest"] as? String)

            let same = try fixture.cli().run(["publish", site, "--user", fixture.user, "--tag", "v1"])
            #expect(same.status == 0, "the same content under the same tag: \(same)")

            try "<h1>Other</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            let other = try fixture.cli().run(["publish", site, "--user", fixture.user, "--tag", "v1", "--json"])
            #expect(other.status == 1, "\(other)")
            #expect(other.stderr.contains("the tag v1 already names other content of \(fixture.user)/hello on local"),
                    "\(other)")
            #expect(other.stderr.contains(digest), "names the digest the tag has: \(other)")
            #expect(!other.jsonLines.contains { $0["stage"] as? String == "build" }, "nothing was built")
            let images = try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
            #expect(images.count == 1, "one version, one tag")

            let renamed = try fixture.cli().run(["publish", site, "--user", fixture.user, "--tag", "v2"])
            #expect(renamed.status == 0, "another tag is fine: \(renamed)")
            let versions = try fixture.cli().run(["versions", "hello", "--user", fixture.user, "--json"])
            #expect(Set(versions.jsonLines.compactMap { $0["version"] as? String }) == ["v1", "v2"], "\(versions)")
        }
    }

    @Test("a publish interrupted with Ctrl-C leaves no image behind", .timeLimit(.minutes(6)))
    func interruptedPublishLeavesNoImage() async throws {
        try await PublishFixture.run { fixture in
            let (site, before) = try await publishedThenChanged(fixture)
            let status = try await BackgroundBerth.interruptedInCheck(
                fixture.cli(["BERTH_TEMPLATES": try fixture.unansweringTemplates()]),
                ["publish", site, "--user", fixture.user], signal: SIGINT)
            #expect(status != nil && status != 0)
            try await expectOnlyTheServingVersion(fixture, before: before)
        }
    }

    /// A site published once, then changed; the images of the test's user after that publish.
    func publishedThenChanged(_ fixture: PublishFixture) async throws -> (site: String, images: [ImageSummary]) {
        let site = try fixture.copyOfSite()
        let first = try fixture.cli().run(["publish", site, "--user", fixture.user])
        #expect(first.status == 0, "\(first)")
        let images = try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
        try "<h1>Interrupted</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
        return (site, images)
    }

    func expectOnlyTheServingVersion(_ fixture: PublishFixture, before: [ImageSummary]) async throws {
        let after = try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
        #expect(after.map(\.id) == before.map(\.id), "only the version that serves: \(after.map(\.repoTags))")
        let versions = try fixture.cli().run(["versions", "hello", "--user", fixture.user, "--json"])
        #expect(versions.jsonLines.count == 1, "\(versions)")
    }

    /// A copy of berth's templates whose nginx image takes `seconds` to build (a `RUN sleep` after the site's
    /// files), so that a publish can be interrupted while the engine builds.
    func slowBuildTemplates(seconds: Int) throws -> String {
        let templates = NSTemporaryDirectory() + "/berth-e2e-templates-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: BerthCLI.repositoryRoot.appendingPathComponent("templates").path,
                                         toPath: templates)
        let dockerfile = templates + "/nginx/Dockerfile.mustache"
        let original = try String(contentsOfFile: dockerfile, encoding: .utf8)
        let changed = original.replacingOccurrences(of: "\nUSER ", with: "\nRUN sleep \(seconds)\nUSER ")
        #expect(changed != original)
        try changed.write(toFile: dockerfile, atomically: true, encoding: .utf8)
        return templates
    }

    @Test("a publish interrupted while the engine builds leaves no image, not even the build's partial one",
          .timeLimit(.minutes(6)))
    func interruptedBuildLeavesNoImage() async throws {
        try await PublishFixture.run { fixture in
            let (site, before) = try await publishedThenChanged(fixture)
            let berth = try BackgroundBerth(fixture.cli(["BERTH_TEMPLATES": try slowBuildTemplates(seconds: 20)]),
                                            ["publish", site, "--user", fixture.user, "--json"])
            let sleeping = try await BackgroundBerth.eventually(within: .seconds(90)) {
                try berth.stdout().contains("RUN sleep") || !berth.process.isRunning
            }
            #expect(sleeping && berth.process.isRunning, "interrupted in the build: \(berth.description)")
            // The build has passed the site's LABEL line: its steps so far are images that carry the site's labels.
            try await Task.sleep(for: .seconds(2))
            let status = try await berth.stop(with: SIGINT, timeout: .seconds(60))
            #expect(status != nil && status != 0, "\(berth.description)")
            // The engine may finish a step it had begun; give it the rest of the sleep to show any image it makes.
            try await Task.sleep(for: .seconds(3))
            try await expectOnlyTheServingVersion(fixture, before: before)
        }
    }
}
