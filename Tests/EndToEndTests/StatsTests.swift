import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `berth stats` against sites published on the real Docker Engine.
@Suite("Resource use of published sites", .serialized, .timeLimit(.minutes(10)))
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
}
