import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `berth stats` against sites published on the real Docker Engine.
@Suite("Resource use of published sites", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct StatsTests {
    @Test("stats --once --json: the memory limit set at publish, memory in use, for every site")
    func onceJSON() async throws {
        try await PublishFixture.run { fixture in
            let urls = try fixture.publishSites(["alpha", "beta"], memory: "80m")
            try await PublishFixture.request(urls["alpha"]!, marker: "stats")

            let outcome = try fixture.cli().run(["stats", "--user", fixture.user, "--once", "--json"])
            #expect(outcome.status == 0, "\(outcome)")
            let samples = outcome.jsonLines
            #expect(samples.compactMap { $0["site"] as? String } == ["alpha", "beta"])
            for sample in samples {
                #expect(sample["user"] as? String == fixture.user)
                #expect(sample["host"] as? String == "local")
                #expect(sample["memoryLimitBytes"] as? Int == 80 << 20, "\(sample)")
                #expect((sample["memoryBytes"] as? Int ?? 0) > 0, "\(sample)")
                #expect(sample["cpuPercent"] is Double || sample["cpuPercent"] is Int, "\(sample)")
                #expect((sample["time"] as? String).flatMap(LogTime.init(rfc3339:)) != nil, "\(sample)")
                #expect(sample["networkRxBytes"] is Int && sample["networkTxBytes"] is Int)
            }
            let alpha = try #require(samples.first)
            #expect((alpha["networkRxBytes"] as? Int ?? 0) > 0, "the request reached alpha over its network")

            let table = try fixture.cli().run(["stats", "alpha", "--user", fixture.user, "--once"])
            #expect(table.status == 0, "\(table)")
            let rows = table.stdout.split(separator: "\n")
            #expect(rows.first?.hasPrefix("SITE") == true, "\(table)")
            #expect(rows.count == 2)
            #expect(rows.last?.hasPrefix("\(fixture.user)/alpha") == true)
            #expect(rows.last?.contains("/ 80MiB") == true, "\(table)")
        }
    }

    @Test("stats follows every site's stream until Ctrl-C; a stopped site named is an error")
    func followAndStop() async throws {
        try await PublishFixture.run { fixture in
            _ = try fixture.publishSites(["alpha", "beta"], memory: "80m")
            let follower = try BackgroundBerth(fixture.cli(), ["stats", "--user", fixture.user, "--json"])
            // The deadlines only guard against a hang: Docker samples about once a second, but on a loaded machine
            // starting berth and Docker's first samples can take much longer.
            let sampled = try await BackgroundBerth.eventually(within: .seconds(60)) {
                let sites = try follower.stdout().split(separator: "\n").compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["site"] as? String
                }
                return sites.filter { $0 == "alpha" }.count >= 2 && sites.filter { $0 == "beta" }.count >= 2
            }
            #expect(sampled, "two samples of each site: \(follower.description)")
            let status = try await follower.stop(with: SIGINT)
            #expect(status == 0, "\(follower.description)")

            let plain = try BackgroundBerth(fixture.cli(), ["stats", "--user", fixture.user])
            let twoTables = try await BackgroundBerth.eventually(within: .seconds(60)) {
                try plain.stdout().components(separatedBy: "SITE ").count - 1 >= 2
            }
            #expect(twoTables, "off a terminal, a table per round: \(plain.description)")
            #expect(!(try plain.stdout().contains("\u{1B}[")), "no terminal escapes when not on a terminal")
            #expect(try await plain.stop(with: SIGTERM) == 0, "\(plain.description)")

            let alpha = try #require(try await fixture.containers(site: "alpha").first)
            try await fixture.engine.stopContainer(alpha.id, timeoutSeconds: 1)
            let stopped = try fixture.cli().run(["stats", "alpha", "--user", fixture.user, "--once"])
            #expect(stopped.status == 1)
            #expect(stopped.stderr.contains("not running: \(fixture.user)/alpha on local"), "\(stopped)")
            let rest = try fixture.cli().run(["stats", "--user", fixture.user, "--once", "--json"])
            #expect(rest.jsonLines.compactMap { $0["site"] as? String } == ["beta"], "\(rest)")
        }
    }

    /// Starts `count` containers that `stats` and `sites` take for running sites (berth's labels and name, a
    /// 64 MiB limit) without publishing each: one small process apiece, created a few at a time.
    static func startCheapSites(_ fixture: PublishFixture, count: Int) async throws -> [String] {
        let names = (1...count).map { String(format: "many%02d", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, site) in names.enumerated() {
                if index >= 8 { try await group.next() }
                group.addTask {
                    let identity = SiteIdentity(user: fixture.user, site: site)
                    let id = try await fixture.engine.createContainer(
                        name: identity.containerName,
                        config: ContainerCreate(image: fixture.nginxImage,
                                                labels: identity.labels(digest: nil, version: "v1", server: .nginx),
                                                command: ["sleep", "600"],
                                                hostConfig: HostConfig(memory: 64 << 20, memorySwap: 64 << 20)))
                    try await fixture.engine.startContainer(id)
                }
            }
            try await group.waitForAll()
        }
        return names
    }

    @Test("stats --once and sites give every one of 60 running sites its figures", .timeLimit(.minutes(6)))
    func sixtySites() async throws {
        try await PublishFixture.run { fixture in
            let names = try await Self.startCheapSites(fixture, count: 60)

            let once = try fixture.cli().run(["stats", "--user", fixture.user, "--once", "--json"], timeout: 120)
            #expect(once.status == 0, "\(once.stderr)")
            let samples = once.jsonLines
            #expect(samples.compactMap { $0["site"] as? String } == names, "one sample per site, in order")
            let withoutMemory = samples.filter { ($0["memoryBytes"] as? Int ?? 0) <= 0 }
            #expect(withoutMemory.isEmpty, "every site has its memory in use: \(withoutMemory.prefix(3))")
            #expect(!once.stderr.contains("cannot read"), "\(once.stderr)")

            let sites = try fixture.cli().run(["sites", "--user", fixture.user, "--json"], timeout: 120)
            #expect(sites.status == 0, "\(sites.stderr)")
            let rows = sites.jsonLines
            #expect(rows.count == 60)
            let unmeasured = rows.filter { ($0["memoryUsage"] as? Int ?? 0) <= 0 }
            #expect(unmeasured.isEmpty, "every running site shows its memory in use: \(unmeasured.prefix(3))")

            let table = try fixture.cli().run(["sites", "--user", fixture.user], timeout: 120)
            #expect(table.status == 0, "\(table.stderr)")
            #expect(!table.stdout.contains("- / 64"), "no site without a figure: \(table.stdout)")
        }
    }

    @Test("stats follows a site across a publish, and a site that does not exist is an error",
          .timeLimit(.minutes(6)))
    func followsRepublish() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite("alpha")
            let first = try fixture.cli().run(["publish", site, "--user", fixture.user])
            #expect(first.status == 0, "\(first)")
            let follower = try BackgroundBerth(fixture.cli(), ["stats", "alpha", "--user", fixture.user, "--json"])
            func samples() throws -> Int {
                try follower.stdout().split(separator: "\n").filter { $0.contains("\"site\":\"alpha\"") }.count
            }
            #expect(try await BackgroundBerth.eventually(within: .seconds(60)) { try samples() >= 1 },
                    "\(follower.description)")

            try "<h1>Again</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            let again = try fixture.cli().run(["publish", site, "--user", fixture.user])
            #expect(again.status == 0, "\(again)")
            let old = try #require(first.stdout.split(separator: "\n").last)
            #expect(again.stdout.contains(old), "the same URL")
            let afterPublish = try samples()
            // The old container is gone: only samples of the new one can come now.
            let followed = try await BackgroundBerth.eventually(within: .seconds(60)) {
                try samples() >= afterPublish + 3
            }
            #expect(followed, "samples of the new container: \(follower.description)")
            #expect(follower.process.isRunning, "stats still runs")
            #expect(try await follower.stop(with: SIGINT) == 0, "\(follower.description)")

            let missing = try fixture.cli().run(["stats", "nosuch", "--user", fixture.user, "--once"])
            #expect(missing.status != 0, "\(missing)")
            #expect(missing.stderr.contains("nosuch"), "\(missing)")
        }
    }
}
