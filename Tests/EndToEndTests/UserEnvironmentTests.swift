import Foundation
import Testing

/// `BERTH_USER` stands for `--user` on every command that acts on a site, not only on publish.
@Suite("BERTH_USER", .serialized, .timeLimit(.minutes(6)), .blockingCalls)
struct UserEnvironmentTests {
    @Test("versions, stop, start, logs, stats, rollback and rm take the user from BERTH_USER")
    func everyCommand() async throws {
        try await PublishFixture.run { fixture in
            // Two users with a site of the same name: without a user, the commands cannot choose.
            let other = fixture.user + "-b"
            for user in [fixture.user, other] {
                let published = try fixture.cli().run(["publish", "sites/hello", "--user", user, "--json"])
                try #require(published.status == 0, "\(published)")
            }
            defer {
                _ = try? fixture.cli().run(["rm", "hello", "--user", other, "--images"])
            }
            let ambiguous = try fixture.cli().run(["versions", "hello"])
            #expect(ambiguous.status == 1 && ambiguous.stderr.contains("--user"), "\(ambiguous)")

            let cli = fixture.cli(["BERTH_USER": fixture.user])
            let versions = try cli.run(["versions", "hello", "--json"])
            #expect(versions.status == 0, "\(versions)")
            #expect(versions.jsonLines.first?["user"] as? String == fixture.user, "\(versions)")
            let stop = try cli.run(["stop", "hello", "--json"])
            #expect(stop.status == 0 && stop.jsonLines.first?["user"] as? String == fixture.user, "\(stop)")
            let start = try cli.run(["start", "hello", "--json"])
            #expect(start.status == 0 && start.jsonLines.first?["user"] as? String == fixture.user, "\(start)")
            let logs = try cli.run(["logs", "hello", "--json"], timeout: 60)
            #expect(logs.status == 0, "\(logs)")
            #expect(logs.jsonLines.allSatisfy { $0["user"] as? String == fixture.user }, "\(logs)")
            let stats = try cli.run(["stats", "hello", "--once", "--json"], timeout: 60)
            #expect(stats.status == 0, "\(stats)")
            #expect(stats.jsonLines.first?["user"] as? String == fixture.user, "\(stats)")
            // --user still wins over the environment.
            let explicit = try cli.run(["versions", "hello", "--user", other, "--json"])
            #expect(explicit.jsonLines.first?["user"] as? String == other, "\(explicit)")
            let rollback = try cli.run(["rollback", "hello", "--json"])
            #expect(rollback.stderr.contains(fixture.user) || rollback.stdout.contains(fixture.user), "\(rollback)")
            #expect(!rollback.stderr.contains("--user"), "it did not ask for --user: \(rollback)")
            let removed = try cli.run(["rm", "hello", "--images", "--json"])
            #expect(removed.status == 0 && removed.jsonLines.first?["user"] as? String == fixture.user, "\(removed)")
            // (Other tests may have a site hello too: each user is asked for by name.)
            let gone = try fixture.cli().run(["versions", "hello", "--user", fixture.user])
            #expect(gone.status == 1 && gone.stderr.contains("no site \(fixture.user)/hello"), "\(gone)")
            let left = try fixture.cli().run(["versions", "hello", "--user", other, "--json"])
            #expect(left.status == 0 && left.jsonLines.first?["user"] as? String == other,
                    "the other user's site is left: \(left)")
        }
    }
}
