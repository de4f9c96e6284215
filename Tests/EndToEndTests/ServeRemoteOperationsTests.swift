import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `logs`, `stats`, named remotes, users pinned to hosts and publishing several sites, through a real running
/// `berth serve` and the real dockerd.
@Suite("berth serve: logs, stats, remotes, pinned hosts and several sites through the server", .blockingCalls)
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
            let allHosts = try read.run(["logs", "blog", "--all-hosts"])
            #expect(allHosts.status == 64 && allHosts.stderr.contains("--all-hosts cannot be used through a berth server"),
                    "\(allHosts)")

            // -f: a new line arrives; Ctrl-C ends it with status 0, and the server stops reading the engine.
            let follower = try BackgroundBerth(read, ["logs", "blog", "-f", "--tail", "0"])
            let followed = "follow-\(UUID().uuidString.prefix(8))"
            let arrived = try await follower.attach(requesting: url, marker: followed) {
                try follower.stdout().split(separator: "\n").contains { $0.hasPrefix("\(alice)/blog | ") && $0.contains(followed) }
            }
            #expect(arrived, "\(follower.description)")
            // It goes on across a publish: the new container's lines follow under the same site.
            let changed = try serve.alice.copyOfSite("hello")
            try "<h1>changed</h1>\n".write(toFile: changed + "/index.html", atomically: true, encoding: .utf8)
            let republished = try serve.remoteCLI(token: deploy).run(["publish", changed, "--name", "blog"])
            #expect(republished.status == 0, "\(republished)")
            let afterPublish = "after-\(UUID().uuidString.prefix(8))"
            let followedOn = try await follower.attach(requesting: url, marker: afterPublish) {
                try follower.stdout().split(separator: "\n").contains { $0.hasPrefix("\(alice)/blog | ") && $0.contains(afterPublish) }
            }
            #expect(followedOn, "\(follower.description)")
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

            // A stopped site has no resource use: the same refusal as here, not a server failure.
            #expect(try serve.remoteCLI(token: deploy).run(["stop", "blog"]).status == 0)
            let stopped = try await serve.call(.GET, "/v1/stats?sites=blog", token: deploy)
            #expect(stopped.status == 409 && stopped.detail.contains("not running"), "\(stopped.body)")
            let remoteStopped = try read.run(["stats", "blog", "--once"])
            let localStopped = try local.run(["stats", "blog", "--once", "--user", alice])
            #expect(remoteStopped.status == 1 && localStopped.status == 1, "\(remoteStopped)")
            #expect(remoteStopped.stderr == localStopped.stderr, "\(remoteStopped)\n\(localStopped)")
        }
    }

    @Test("named remotes: login --name stores each (0600), --remote NAME or URL picks one per command, the last login is the default, BERTH_REMOTE with BERTH_TOKEN in CI; an unknown name is a usage error naming the known ones",
          .timeLimit(.minutes(4)))
    func namedRemotes() async throws {
        try await ServeFixture.run { serve in
            let (alice, bob) = (serve.alice.user, serve.bob.user)
            let aliceToken = try await serve.token(for: alice, scope: "deploy").token
            let bobToken = try await serve.token(for: bob, scope: "deploy").token
            let published = try serve.remoteCLI(token: aliceToken).run(["publish", "sites/hello", "--name", "blog"])
            try #require(published.status == 0, "\(published)")

            let config = serve.directory + "/config-\(UUID().uuidString)"
            var cli = serve.alice.cli(["XDG_CONFIG_HOME": config])
            func login(_ token: String, _ extra: [String]) throws -> BerthCLI.Outcome {
                let input = serve.directory + "/token-\(UUID().uuidString)"
                try token.write(toFile: input, atomically: true, encoding: .utf8)
                cli.standardInputFile = input
                defer { cli.standardInputFile = nil }
                return try cli.run(["login", serve.url] + extra)
            }
            let loginAlice = try login(aliceToken, ["--name", "alice-prod"])
            #expect(loginAlice.status == 0 && loginAlice.stderr.contains("'alice-prod'"), "\(loginAlice)")
            let loginBob = try login(bobToken, ["--name", "bob-prod"])
            #expect(loginBob.status == 0, "\(loginBob)")
            let file = config + "/berth/remote.json"
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try login(bobToken, ["--name", "no/slash"]).status == 64)

            func sites(_ arguments: [String], _ cli: BerthCLI) throws -> (Int32, [String]) {
                let outcome = try cli.run(["sites", "--json"] + arguments)
                return (outcome.status, outcome.jsonLines.compactMap { $0["user"] as? String })
            }
            // The last login is the default; --remote NAME picks the other for one command.
            let byDefault = try sites([], cli)
            #expect(byDefault.0 == 0 && byDefault.1.isEmpty, "bob's (no sites): \(byDefault)")
            let named = try sites(["--remote", "alice-prod"], cli)
            #expect(named.0 == 0 && named.1 == [alice], "\(named)")
            let logs = try cli.run(["logs", "blog", "--remote", "alice-prod"])
            #expect(logs.status == 0, "\(logs)")
            // A URL shared by two logins needs a name; with BERTH_TOKEN (CI), a URL alone will do.
            let ambiguous = try cli.run(["sites", "--remote", serve.url])
            #expect(ambiguous.status == 64 && ambiguous.stderr.contains("alice-prod, bob-prod"), "\(ambiguous)")
            var ci = serve.alice.cli(["XDG_CONFIG_HOME": config, "BERTH_TOKEN": aliceToken])
            #expect(try sites(["--remote", serve.url], ci).1 == [alice])
            ci.environment["BERTH_REMOTE"] = serve.url
            #expect(try sites([], ci).1 == [alice], "BERTH_REMOTE + BERTH_TOKEN over the default login")

            let unknown = try cli.run(["sites", "--remote", "staging"])
            #expect(unknown.status == 64, "\(unknown)")
            #expect(unknown.stderr.contains("no remote named 'staging'") && unknown.stderr.contains("alice-prod, bob-prod"),
                    "\(unknown)")
            #expect(try cli.run(["publish", "sites/hello", "--remote", "staging"]).status == 64)

            // logout NAME forgets one; the one left is the default.
            let logout = try cli.run(["logout", "bob-prod"])
            #expect(logout.status == 0 && logout.stderr.contains("default: alice-prod"), "\(logout)")
            #expect(try sites([], cli).1 == [alice])
            #expect(try cli.run(["sites", "--remote", "bob-prod"]).status == 64)

            // A login file of a berth before named remotes still works, as the default.
            try #"{"token":"\#(bobToken)","url":"\#(serve.url)"}"#.write(toFile: file, atomically: true, encoding: .utf8)
            let old = try sites([], cli)
            #expect(old.0 == 0 && old.1.isEmpty, "\(old)")
            #expect(try sites(["--remote", "127.0.0.1"], cli).0 == 0, "named by its host")

            // With no default, logout must be told which (it never forgets them all unasked).
            let two = #"{"remotes":{"x":{"token":"\#(bobToken)","url":"\#(serve.url)"},"y":{"token":"\#(aliceToken)","url":"\#(serve.url)"}}}"#
            try two.write(toFile: file, atomically: true, encoding: .utf8)
            let unnamed = try cli.run(["logout"])
            #expect(unnamed.status == 64 && unnamed.stderr.contains("x, y"), "\(unnamed)")
            #expect(FileManager.default.fileExists(atPath: file))
            #expect(try cli.run(["logout", "--all"]).status == 0)
            #expect(!FileManager.default.fileExists(atPath: file))
        }
    }

    @Test("pinning: a user pinned to hosts is placed only among them, a --host outside them is refused (403 naming them), an unpinned user places across all hosts",
          .timeLimit(.minutes(8)))
    func pinnedHosts() async throws {
        let hostsFile = try PublishFixture.required("BERTH_TEST_HOSTS_FILE", setBy: "scripts/test-hosts",
                                                    file: "/var/lib/berth-test/hosts/env.sh")
        try await ServeFixture.run(hosts: hostsFile) { serve in
            let (alice, bob) = (serve.alice.user, serve.bob.user)
            let admin = serve.remoteCLI(token: serve.adminToken)
            let aliceCLI = serve.remoteCLI(token: try await serve.token(for: alice, scope: "deploy").token)
            let bobCLI = serve.remoteCLI(token: try await serve.token(for: bob, scope: "deploy").token)
            var published: [(BerthCLI, String)] = []
            do {
                // bob, unpinned, goes where placement puts him; alice is pinned to another host.
                let bobSite = try bobCLI.run(["publish", "sites/hello", "--name", "placed", "--json"])
                published.append((bobCLI, "placed"))
                try #require(bobSite.status == 0, "\(bobSite)")
                let bobHost = try #require(bobSite.result?["host"] as? String)
                let pinTo = bobHost == "web2" ? "web1" : "web2"

                // A host the server does not have: refused (409, exit 1), naming the hosts it has.
                let unknown = try admin.run(["admin", "user", "pin", alice, "nosuch"])
                #expect(unknown.status == 1 && unknown.stderr.contains("no host nosuch") && unknown.stderr.contains("web1"),
                        "\(unknown)")
                let pin = try admin.run(["admin", "user", "pin", alice, pinTo, "--json"])
                #expect(pin.status == 0 && pin.jsonLines.first?["hosts"] as? [String] == [pinTo], "\(pin)")
                let list = try admin.run(["admin", "user", "list", "--json"])
                #expect(list.jsonLines.first { $0["name"] as? String == alice }?["hosts"] as? [String] == [pinTo])
                #expect(list.jsonLines.first { $0["name"] as? String == bob }?["hosts"] as? [String] == [])

                let outside = try aliceCLI.run(["publish", "sites/hello", "--name", "pinned", "--host", bobHost])
                #expect(outside.status == 1, "\(outside)")
                #expect(outside.stderr.contains("pinned to \(pinTo)") && outside.stderr.contains("--host \(bobHost)"),
                        "\(outside)")
                let refused = try await serve.call(.POST, "/v1/sites/pinned/publish?digest=sha256:0&host=\(bobHost)",
                                                   token: try await serve.token(for: alice, scope: "deploy").token)
                #expect(refused.status == 403 && refused.detail.contains(pinTo), "\(refused.body)")

                let placed = try aliceCLI.run(["publish", "sites/hello", "--name", "pinned", "--json"])
                published.append((aliceCLI, "pinned"))
                #expect(placed.status == 0, "\(placed)")
                #expect(placed.result?["host"] as? String == pinTo, "placed among the pinned hosts only: \(placed)")

                // Unpinned again, the site stays where it runs; an explicit other host is a conflict, not a copy.
                let unpin = try admin.run(["admin", "user", "unpin", alice])
                #expect(unpin.status == 0 && unpin.stdout.contains("every host"), "\(unpin)")
                let elsewhere = try aliceCLI.run(["publish", "sites/hello", "--name", "pinned", "--host", bobHost])
                #expect(elsewhere.status == 1 && elsewhere.stderr.contains("runs on \(pinTo)"), "\(elsewhere)")
            } catch {
                for (cli, site) in published { _ = try? cli.run(["rm", site, "--images"]) }
                throw error
            }
            #expect(try aliceCLI.run(["rm", "pinned", "--images"]).status == 0)
            #expect(try bobCLI.run(["rm", "placed", "--images"]).status == 0)
        }
    }

    @Test("several sites in one publish through the server: one upload each, the same summary and exit status as locally; one refused site does not stop the others",
          .timeLimit(.minutes(6)))
    func severalSites() async throws {
        try await ServeFixture.run { serve in
            let cli = serve.remoteCLI(token: try await serve.token(for: serve.alice.user, scope: "deploy").token)
            let (one, two, bad) = (try serve.alice.copyOfSite("one"), try serve.alice.copyOfSite("two"),
                                   try serve.alice.copyOfSite("bad"))
            try "port: 8080\n".write(toFile: bad + "/berth.yml", atomically: true, encoding: .utf8)

            let first = try cli.run(["publish", one, two, bad, "--jobs", "2", "--json"])
            #expect(first.status == 1, "one site failed: \(first)")
            let summary = try #require(first.jsonLines.last { $0["event"] as? String == "summary" }, "\(first)")
            #expect(summary["failed"] as? Int == 1)
            let sites = try #require(summary["sites"] as? [[String: Any]])
            #expect(sites.map { $0["sitePath"] as? String } == [one, two, bad], "in the order given")
            #expect(sites.map { $0["ok"] as? Bool } == [true, true, false])
            #expect((sites.last?["error"] as? String)?.contains("port") == true, "\(sites)")
            let results = first.jsonLines.filter { $0["event"] as? String == "result" }
            #expect(Set(results.compactMap { $0["sitePath"] as? String }) == [one, two])
            #expect(first.jsonLines.contains { $0["event"] as? String == "stage" && $0["sitePath"] as? String == two })
            for site in ["one", "two"] {
                #expect(try await serve.alice.containers(site: site).first?.state == "running", "\(site)")
            }
            #expect(try await serve.alice.containers(site: "bad").isEmpty)
            let audit = try serve.remoteCLI(token: serve.adminToken).run(["admin", "audit", "--user", serve.alice.user, "--json"])
            #expect(audit.jsonLines.filter { $0["action"] as? String == "publish" }.count == 3, "one upload per site: \(audit)")

            // Unchanged: each is up to date; the table as a local publish of several sites prints it.
            let again = try cli.run(["publish", one, two])
            #expect(again.status == 0, "\(again)")
            let rows = again.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            #expect(rows.first.map { $0.map(String.init) } == ["SITE", "HOST", "RESULT", "URL", "OR", "ERROR"], "\(again)")
            #expect(again.stdout.components(separatedBy: "up to date").count == 3, "\(again)")
        }
    }
}
