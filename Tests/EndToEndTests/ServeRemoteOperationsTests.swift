import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `logs`, `stats`, named remotes, users pinned to hosts and publishing several sites, through a real running
/// `berth serve` and the real dockerd.
@Suite("berth serve: logs, stats, remotes, pinned hosts and several sites through the server")
struct ServeRemoteOperationsTests {
    @Test("logs and stats (once, --json, --tail, -f) through the server: the local output and exit codes, the caller's sites only; closing the client ends the server's follow",
          .timeLimit(.minutes(6)))
    func logsAndStats() async throws {
        try await ServeFixture.run { serve in
            let (alice, bob) = (serve.alice.user, serve.bob.user)
            let deploy = try await serve.token(for: alice, scope: "deploy").token
            let published = try serve.remoteCLI(token: deploy).run(["publish", "sites/hello", "--name", "blog", "--json"])
            try #require(published.status == 0, "\(published)")
            let url = try #require(published.result?["url"] as? String)
            let marker = "remote-logs-\(UUID().uuidString.prefix(8))"
            try await PublishFixture.request(url, marker: marker)
            try await serve.alice.waitUntilLogged(site: "blog", containing: marker)

            // A read token suffices; the output is what the engines give berth here, line for line.
            let read = serve.remoteCLI(token: try await serve.token(for: alice, scope: "read").token)
            let local = serve.alice.cli()
            for arguments in [["logs", "blog"], ["logs", "blog", "--json"], ["logs", "blog", "--tail", "1", "--timestamps"],
                              ["logs", "--all", "--json"]] {
                let remote = try read.run(arguments)
                let here = try local.run(arguments + ["--user", alice])
                #expect(remote.status == 0 && here.status == 0, "\(arguments): \(remote)")
                #expect(remote.stdout == here.stdout, "\(arguments)\n--- remote\n\(remote.stdout)\n--- local\n\(here.stdout)")
                #expect(remote.stdout.contains(marker), "\(arguments): \(remote)")
            }
            #expect(try read.run(["logs", "blog", "--tail", "1"]).stdout.split(separator: "\n").count == 1)
            #expect(try read.run(["logs", "blog", "--since", "2999-01-01T00:00:00Z"]).stdout.isEmpty)

            let once = try read.run(["stats", "--once", "--json"])
            #expect(once.status == 0, "\(once)")
            #expect(once.jsonLines.map { $0["site"] as? String } == ["blog"], "\(once)")
            #expect(once.jsonLines.first?["memoryLimitBytes"] as? Int == 64 << 20, "\(once)")
            #expect(Set(once.jsonLines.first?.keys.map { $0 } ?? [])
                == Set(try local.run(["stats", "blog", "--user", alice, "--once", "--json"]).jsonLines.first?.keys.map { $0 } ?? []))
            let table = try read.run(["stats", "blog", "--once"])
            #expect(table.status == 0 && table.stdout.hasPrefix("SITE") && table.stdout.contains("\(alice)/blog"), "\(table)")

            // Another user's site is the same as one that does not exist: same status, same message, nothing of alice.
            let bobCLI = serve.remoteCLI(token: try await serve.token(for: bob, scope: "read").token)
            for command in [["logs"], ["stats", "--once"]] {
                let other = try bobCLI.run(command + ["blog"])
                let missing = try bobCLI.run(command + ["nosuch"])
                #expect(other.status == 1 && missing.status == 1, "\(other)")
                #expect(other.stderr.replacingOccurrences(of: "blog", with: "nosuch") == missing.stderr, "\(other)\n\(missing)")
                #expect(!other.stderr.contains(alice) && other.stdout.isEmpty)
            }
            let bobAll = try bobCLI.run(["logs", "--all"])
            #expect(bobAll.status == 0 && !bobAll.stdout.contains(marker) && bobAll.stderr.contains("no berth sites"),
                    "\(bobAll)")
            // --host and --user choose nothing through a server.
            #expect(try read.run(["logs", "blog", "--user", bob]).status == 64)
            #expect(try read.run(["stats", "--host", "local"]).status == 64)

            // -f: a new line arrives; Ctrl-C ends it with status 0, and the server stops reading the engine.
            let follower = try BackgroundBerth(read, ["logs", "blog", "-f", "--tail", "0"])
            let followed = "follow-\(UUID().uuidString.prefix(8))"
            let arrived = try await follower.attach(requesting: url, marker: followed) {
                try follower.stdout().split(separator: "\n").contains { $0.hasPrefix("\(alice)/blog | ") && $0.contains(followed) }
            }
            #expect(arrived, "\(follower.description)")
            #expect(try await follower.stop(with: SIGINT) == 0, "\(follower.description)")
            let logsEnded = try await BackgroundBerth.eventually(within: .seconds(15)) {
                serve.serverLog().contains("stopped watching the logs of \(alice)'s sites (the client went away)")
            }
            #expect(logsEnded, "the server's log:\n\(serve.serverLog())")

            // stats follows until the client is killed outright; the server notices the closed connection.
            let stats = try BackgroundBerth(read, ["stats", "--json"])
            let sampled = try await BackgroundBerth.eventually(within: .seconds(60)) {
                try stats.stdout().split(separator: "\n").count >= 2
            }
            #expect(sampled, "\(stats.description)")
            _ = try await stats.stop(with: SIGKILL)
            let statsEnded = try await BackgroundBerth.eventually(within: .seconds(15)) {
                serve.serverLog().contains("stopped watching the stats of \(alice)'s sites (the client went away)")
            }
            #expect(statsEnded, "the server's log:\n\(serve.serverLog())")
        }
    }
}
