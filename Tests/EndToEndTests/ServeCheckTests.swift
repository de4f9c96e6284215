import BerthCore
import Foundation
import Testing

/// The check that a new version serves: what it asks for, and how soon it gives up on a page that is not there.
@Suite("Serve check", .serialized, .blockingCalls)
struct ServeCheckTests {
    /// A site with one page, `about.html`, and no `index.html`.
    func siteWithoutIndex(_ fixture: PublishFixture) throws -> String {
        let directory = NSTemporaryDirectory() + "/berth-e2e-site-\(UUID().uuidString)/noindex"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "<h1>About</h1>".write(toFile: directory + "/about.html", atomically: true, encoding: .utf8)
        return directory
    }

    @Test("a site without index.html is warned about at once, and its check fails fast with the reason",
          .timeLimit(.minutes(5)))
    func noIndex() async throws {
        try await PublishFixture.run { fixture in
            let site = try siteWithoutIndex(fixture)
            let outcome = try fixture.cli().run(["publish", site, "--user", fixture.user, "--check-timeout", "60",
                                                 "--json"])
            #expect(outcome.status == 1, "\(outcome)")
            let warning = outcome.jsonLines.first { $0["event"] as? String == "warning" }
            #expect((warning?["message"] as? String)?.contains("has no index.html") == true, "\(outcome)")
            let warningIndex = outcome.jsonLines.firstIndex { $0["event"] as? String == "warning" } ?? .max
            let buildIndex = outcome.jsonLines.firstIndex { $0["stage"] as? String == "build" } ?? -1
            #expect(warningIndex < buildIndex, "the warning comes before the build")
            #expect(outcome.stderr.contains("403") || outcome.stderr.contains("404"), "\(outcome)")
            #expect(outcome.stderr.contains("check_path"), "says what to do: \(outcome)")
            let check = outcome.jsonLines.first { $0["stage"] as? String == "check" && $0["state"] as? String == "started" }
            #expect(check != nil, "it reached the check: \(outcome)")
            // Not the 60 s check time: the first 403 ends it. Generous for a loaded machine.
            #expect(outcome.seconds < 40, "\(outcome.seconds) s")
        }
    }

    @Test("check_path in berth.yml is what the check asks for; a bad one is refused", .timeLimit(.minutes(5)))
    func checkPath() async throws {
        try await PublishFixture.run { fixture in
            let site = try siteWithoutIndex(fixture)
            try "check_path: /about.html\n".write(toFile: site + "/berth.yml", atomically: true, encoding: .utf8)
            let outcome = try fixture.cli().run(["publish", site, "--user", fixture.user, "--json"])
            #expect(outcome.status == 0, "\(outcome)")
            #expect(!outcome.jsonLines.contains { $0["event"] as? String == "warning" }, "\(outcome)")
            let url = try #require(outcome.result?["url"] as? String)
            #expect(try await PublishFixture.get(url + "about.html").status == 200)

            let stop = try fixture.cli().run(["stop", "noindex", "--user", fixture.user])
            #expect(stop.status == 0, "\(stop)")
            let start = try fixture.cli().run(["start", "noindex", "--user", fixture.user, "--check-timeout", "30"])
            #expect(start.status == 0, "start checks the same path: \(start)")

            for bad in ["about.html", "/a b", "/../etc/passwd", "/x?y=1"] {
                try "check_path: \"\(bad)\"\n".write(toFile: site + "/berth.yml", atomically: true, encoding: .utf8)
                let refused = try fixture.cli().run(["publish", site, "--user", fixture.user])
                #expect(refused.status != 0, "\(bad): \(refused)")
                #expect(refused.stderr.contains("check_path"), "\(bad): \(refused)")
            }
        }
    }

    @Test("a change to check_path alone is a new version, checked on the new path; back again is the first version, with no image left untagged",
          .timeLimit(.minutes(5)))
    func checkPathAloneChanged() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let first = try OperateTests.publish(fixture, site)
            let firstVersion = try #require(first["version"] as? String)

            try "check_path: /about/\n".write(toFile: site + "/berth.yml", atomically: true, encoding: .utf8)
            let changed = try OperateTests.publish(fixture, site)
            #expect(changed["upToDate"] as? Bool == false, "not up to date: \(changed)")
            let changedVersion = try #require(changed["version"] as? String)
            #expect(changedVersion != firstVersion)
            let identity = SiteIdentity(user: fixture.user, site: "hello")
            let container = try #require(try await fixture.engine.inspectContainer(identity.containerName))
            #expect(container.labels[BerthLabel.checkPath] == "/about/", "start and rollback check the new path")
            let again = try OperateTests.publish(fixture, site)
            #expect(again["upToDate"] as? Bool == true, "\(again)")

            try FileManager.default.removeItem(atPath: site + "/berth.yml")
            let back = try OperateTests.publish(fixture, site)
            #expect(back["upToDate"] as? Bool == false)
            #expect(back["version"] as? String == firstVersion, "the first version again")
            let images = try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
            #expect(images.allSatisfy { !($0.repoTags ?? []).filter { $0 != "<none>:<none>" }.isEmpty },
                    "no image of the site is left untagged: \(images.map(\.repoTags))")
            #expect(images.count == 2, "\(images.map(\.repoTags))")
        }
    }
}
