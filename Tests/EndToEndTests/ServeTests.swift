import BerthCore
import Foundation
import NIOHTTP1
import Testing

/// `berth serve` end to end: a real server process on loopback, the real dockerd, an admin and two users.
@Suite("berth serve: each user publishes and operates their own sites through the API", .blockingCalls)
struct ServeTests {
    @Test("publish, the unchanged no-op, sites, versions, rollback, stop, start and rm go through the server with the CLI's output and exit codes",
          .timeLimit(.minutes(8)))
    func operateThroughServer() async throws {
        try await ServeFixture.run { serve in
            let deploy = try await serve.token(for: serve.alice.user, scope: "deploy").token
            let cli = serve.remoteCLI(token: deploy)
            let site = try serve.alice.copyOfSite("hello")
            let first = try cli.run(["publish", site, "--json"])
            try #require(first.status == 0, "\(first)")
            let result = try #require(first.result)
            #expect(result["user"] as? String == serve.alice.user)
            let url = try #require(result["url"] as? String)
            #expect(try await PublishFixture.get(url).status == 200)
            #expect(first.jsonLines.contains { $0["event"] as? String == "stage" && $0["stage"] as? String == "build" })
            #expect(!first.stdout.contains(serve.uploads), "the server's directories are not shown")

            let again = try cli.run(["publish", site, "--json"])
            #expect(again.status == 0, "\(again)")
            #expect(again.jsonLines.contains { $0["event"] as? String == "up-to-date" })
            #expect(again.result?["upToDate"] as? Bool == true)
            #expect(!again.jsonLines.contains { $0["stage"] as? String == "build" }, "nothing is uploaded or built")

            try "<h1>second</h1>\n".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            let second = try cli.run(["publish", site])
            try #require(second.status == 0, "\(second)")
            #expect(second.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == url)

            let sites = try cli.run(["sites", "--json"])
            #expect(sites.status == 0, "\(sites)")
            #expect(sites.jsonLines.map { $0["site"] as? String } == ["hello"])
            let versions = try cli.run(["versions", "hello", "--json"])
            #expect(versions.status == 0 && versions.jsonLines.count == 2, "\(versions)")

            let rollback = try cli.run(["rollback", "hello", "--json"])
            #expect(rollback.status == 0, "\(rollback)")
            #expect(rollback.result?["version"] as? String == result["version"] as? String)
            #expect(try await PublishFixture.get(url).body.contains("second") == false)

            let stop = try cli.run(["stop", "hello"])
            #expect(stop.status == 0 && stop.stdout.contains("stopped"), "\(stop)")
            let start = try cli.run(["start", "hello"])
            #expect(start.status == 0 && start.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == url, "\(start)")
            let remove = try cli.run(["rm", "hello", "--images", "--json"])
            #expect(remove.status == 0, "\(remove)")
            #expect(try await serve.alice.containers(site: "hello").isEmpty)
            #expect(try cli.run(["sites", "--json"]).jsonLines.isEmpty)

            for refused in [["--port", "8080"], ["--base-image", "nginx:1"], ["--dereference"], ["--user", "bob"]] {
                let outcome = try cli.run(["publish", site] + refused)
                #expect(outcome.status == 64, "\(refused): \(outcome)")
            }

            let admin = serve.remoteCLI(token: serve.adminToken)
            let audit = try admin.run(["admin", "audit", "--user", serve.alice.user, "--json"])
            #expect(audit.status == 0, "\(audit)")
            let actions = audit.jsonLines.compactMap { $0["action"] as? String }
            for action in ["publish", "rollback", "stop", "start", "rm"] {
                #expect(actions.contains(action), "audit: \(actions)")
            }
            #expect(audit.jsonLines.allSatisfy { $0["source"] as? String != nil && $0["token"] as? String != nil })
            #expect(try serve.leftoverUploads().isEmpty)
        }
    }

    @Test("authorization: another user's site is not found (exactly as a missing one), scopes, site-bound, revoked and expired tokens",
          .timeLimit(.minutes(6)))
    func authorizationMatrix() async throws {
        try await ServeFixture.run { serve in
            let (alice, bob) = (serve.alice.user, serve.bob.user)
            let aliceDeploy = try await serve.token(for: alice, scope: "deploy").token
            let published = try serve.remoteCLI(token: aliceDeploy).run(["publish", "sites/hello", "--name", "blog"])
            try #require(published.status == 0, "\(published)")

            // bob, with a deploy token, on alice's site: refused the way a site that does not exist is.
            let bobDeploy = try await serve.token(for: bob, scope: "deploy").token
            let siteCalls: [(HTTPMethodName, String)] = [
                (.GET, "versions"), (.POST, "stop"), (.POST, "start"), (.POST, "rollback"), (.DELETE, ""),
            ]
            for (method, action) in siteCalls {
                let path = { (site: String) in "/v1/sites/\(site)" + (action.isEmpty ? "" : "/\(action)") }
                let other = try await serve.call(method.nio, path("blog"), token: bobDeploy)
                let missing = try await serve.call(method.nio, path("nosuch"), token: bobDeploy)
                #expect(other.status == 404 && other.problemCode == "not-found", "\(method) \(action): \(other.body)")
                #expect(other.detail.replacingOccurrences(of: "blog", with: "nosuch") == missing.detail)
                #expect(!other.body.contains(alice))
            }
            for watch in ["/v1/logs?sites=", "/v1/stats?sites="] {
                let other = try await serve.call(.GET, watch + "blog", token: bobDeploy)
                let missing = try await serve.call(.GET, watch + "nosuch", token: bobDeploy)
                #expect(other.status == 404 && other.problemCode == "not-found", "\(watch): \(other.body)")
                #expect(other.detail.replacingOccurrences(of: "blog", with: "nosuch") == missing.detail)
                #expect(!other.body.contains(alice))
            }
            let bobSites = try await serve.call(.GET, "/v1/sites", token: bobDeploy)
            #expect(bobSites.status == 200 && !bobSites.body.contains("blog"))
            let bobStop = try serve.remoteCLI(token: bobDeploy).run(["stop", "blog"])
            #expect(bobStop.status == 1 && !bobStop.stderr.contains(alice), "\(bobStop)")
            #expect(try await serve.alice.containers(site: "blog").first?.state == "running")

            // Scopes: read reads only; deploy does not administer.
            let aliceRead = try await serve.token(for: alice, scope: "read").token
            #expect(try await serve.call(.GET, "/v1/sites/blog/versions", token: aliceRead).status == 200)
            #expect(try await serve.call(.GET, "/v1/sites", token: aliceRead).status == 200)
            #expect(try await serve.call(.GET, "/v1/logs?sites=blog", token: aliceRead).status == 200)
            #expect(try await serve.call(.GET, "/v1/stats?sites=blog", token: aliceRead).body.contains("\"blog\""))
            for (method, path) in [(HTTPMethodName.POST, "/v1/sites/blog/stop"), (.POST, "/v1/sites/blog/start"),
                                   (.DELETE, "/v1/sites/blog"), (.POST, "/v1/sites/blog/rollback"),
                                   (.POST, "/v1/sites/blog/publish?digest=sha256:0")] {
                let answer = try await serve.call(method.nio, path, token: aliceRead)
                #expect(answer.status == 403 && answer.detail.contains("scope read"), "\(path): \(answer.body)")
            }
            let readStop = try serve.remoteCLI(token: aliceRead).run(["stop", "blog"])
            #expect(readStop.status == 1 && readStop.stderr.contains("scope read"), "\(readStop)")
            let adminCalls: [(HTTPMethodName, String)] = [
                (.GET, "/v1/users"), (.POST, "/v1/users"), (.DELETE, "/v1/users/\(bob)"), (.PUT, "/v1/users/\(bob)/quota"),
                (.GET, "/v1/tokens"), (.POST, "/v1/tokens"), (.DELETE, "/v1/tokens/0123456789abcdef"), (.GET, "/v1/audit"),
                (.POST, "/v1/users/\(bob)/domains/example.com"), (.PUT, "/v1/users/\(bob)/hosts"),
            ]
            for (method, path) in adminCalls {
                let answer = try await serve.call(method.nio, path, token: aliceDeploy, json: [String: Any]())
                #expect(answer.status == 403, "\(method) \(path): \(answer.body)")
            }
            #expect(try await serve.call(.GET, "/v1/users", token: serve.adminToken).status == 200)
            let adminForBob = try await serve.call(.POST, "/v1/tokens", token: serve.adminToken,
                                                   json: ["user": bob, "scope": "admin"])
            #expect(adminForBob.status == 400 && adminForBob.detail.contains("not an admin"))

            // A token bound to one site acts on that site only.
            let boundToOther = try await serve.token(for: alice, scope: "deploy", site: "other").token
            let wrongSite = try await serve.call(.POST, "/v1/sites/blog/stop", token: boundToOther)
            #expect(wrongSite.status == 403 && wrongSite.detail.contains("only on the site other"), "\(wrongSite.body)")
            let boundLogs = try await serve.call(.GET, "/v1/logs?sites=blog", token: boundToOther)
            #expect(boundLogs.status == 403 && boundLogs.detail.contains("only on the site other"), "\(boundLogs.body)")
            let boundListing = try await serve.call(.GET, "/v1/sites", token: boundToOther)
            #expect(boundListing.status == 200 && !boundListing.body.contains("blog"))
            let boundToBlog = try await serve.token(for: alice, scope: "deploy", site: "blog").token
            let boundStats = try await serve.call(.GET, "/v1/stats", token: boundToBlog)
            #expect(boundStats.status == 200 && boundStats.body.contains("\"blog\""), "\(boundStats.body)")
            #expect(try await serve.call(.POST, "/v1/sites/blog/stop", token: boundToBlog).status == 200)
            #expect(try await serve.call(.POST, "/v1/sites/blog/start", token: boundToBlog).status == 200)

            // Revoked and expired tokens fail at once; so do none and garbage.
            let revoked = try await serve.token(for: alice, scope: "deploy")
            #expect(try await serve.call(.GET, "/v1/sites", token: revoked.token).status == 200)
            let revoke = try serve.remoteCLI(token: serve.adminToken).run(["admin", "token", "revoke", revoked.id])
            #expect(revoke.status == 0, "\(revoke)")
            let afterRevoke = try await serve.call(.GET, "/v1/sites", token: revoked.token)
            #expect(afterRevoke.status == 401 && afterRevoke.detail.contains("revoked"), "\(afterRevoke.body)")
            let expiring = try await serve.token(for: alice, scope: "deploy", expiresIn: 1)
            try await Task.sleep(for: .milliseconds(1500))
            let expired = try await serve.call(.GET, "/v1/sites", token: expiring.token)
            #expect(expired.status == 401 && expired.detail.contains("expired"), "\(expired.body)")
            #expect(try await serve.call(.GET, "/v1/sites", token: nil).status == 401)
            #expect(try await serve.call(.GET, "/v1/sites", token: "berth_0123456789abcdef_" + String(repeating: "x", count: 43)).status == 401)
            let expiredCLI = try serve.remoteCLI(token: expiring.token).run(["sites"])
            #expect(expiredCLI.status == 1 && expiredCLI.stderr.contains("expired"), "\(expiredCLI)")
        }
    }

    @Test("hostile uploads are each refused with a clear error, nothing built and nothing left behind",
          .timeLimit(.minutes(6)))
    func hostileUploads() async throws {
        try await ServeFixture.run(quotas: "  files: 50\n  upload_size: 256k\n", uploadTimeout: 2) { serve in
            let token = try await serve.token(for: serve.alice.user, scope: "deploy").token
            var cases: [(String, [UInt8], String)] = [
                ("../ path", TarBuilder.site { $0.file("site/../evil", "x") }, "'..'"),
                ("absolute path", TarBuilder.site { $0.file("/etc/evil", "x") }, "absolute"),
                ("outside site/", TarBuilder.site { $0.file("Dockerfile", "FROM scratch\nRUN id\n") }, "not under site/"),
                ("escaping symlink", TarBuilder.site { $0.header("site/link", type: "2", link: "../../etc/passwd") }, "outside the site"),
                ("absolute symlink", TarBuilder.site { $0.header("site/link", type: "2", link: "/etc/passwd") }, "outside the site"),
                ("write through a symlink", TarBuilder.site {
                    $0.header("site/dir", type: "2", link: "."); $0.file("site/dir/x", "x")
                }, "behind the symlink"),
                ("device node", TarBuilder.site { $0.header("site/null", type: "3") }, "device node"),
                ("FIFO", TarBuilder.site { $0.header("site/pipe", type: "6") }, "FIFO"),
                ("hard link", TarBuilder.site { $0.header("site/hard", type: "1", link: "site/index.html") }, "hard link"),
                ("lying size", TarBuilder.site { $0.header("site/a.html", size: 10); $0.content(Array(repeating: 65, count: 1200)) }, "checksum"),
                ("many entries", TarBuilder.site { tar in for index in 0..<60 { tar.file("site/f\(index).html", "x") } }, "files quota"),
            ]
            let whole = TarBuilder.site()
            cases.append(("truncated", Array(whole.prefix(700)), "truncated"))
            for (what, tar, message) in cases {
                let answer = try await serve.upload(tar, site: "evil", token: token)
                #expect((400...499).contains(answer.status), "\(what): \(answer.status) \(answer.body)")
                #expect(answer.detail.contains(message), "\(what): \(answer.detail)")
                #expect(answer.detail.contains("nothing was built"), "\(what): \(answer.detail)")
            }
            // An announced digest that is not the upload's.
            let mismatch = try await serve.call(.POST, "/v1/sites/evil/publish?digest=sha256:00", token: token, body: whole)
            #expect(mismatch.status == 400 && mismatch.detail.contains("digest"), "\(mismatch.body)")

            // Over the size quota: refused while streaming, long before the rest is sent.
            let big = try await StreamingUpload.send(to: serve.url + "/v1/sites/evil/publish?digest=sha256:00", token: token,
                                                     totalBytes: 64 << 20, chunkBytes: 64 << 10, pause: .milliseconds(5))
            #expect(big.status == 403 && big.body.contains("upload_size"), "\(big.status) \(big.body)")
            #expect(big.bytesSentBeforeAnswer < 8 << 20, "answered after \(big.bytesSentBeforeAnswer) bytes")

            // An upload that stalls: given up after upload_timeout.
            let stalled = try await StreamingUpload.send(to: serve.url + "/v1/sites/evil/publish?digest=sha256:00", token: token,
                                                         totalBytes: 1024, chunkBytes: 1024, stallAfter: true)
            #expect(stalled.status == 408 && stalled.body.contains("sent nothing"), "\(stalled.status) \(stalled.body)")
            #expect(stalled.seconds < 20)

            #expect(try await serve.alice.containers(site: "evil").isEmpty)
            #expect(try await serve.alice.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(serve.alice.user)"]).isEmpty)
            #expect(try serve.leftoverUploads().isEmpty)
        }
    }

    @Test("quotas: sites, site memory, total memory and publishes per hour are each refused before anything is built",
          .timeLimit(.minutes(6)))
    func quotas() async throws {
        try await ServeFixture.run(quotas: "  sites: 1\n  site_memory: 100m\n  memory: 150m\n  publishes_per_hour: 3\n") { serve in
            let token = try await serve.token(for: serve.alice.user, scope: "deploy").token
            let cli = serve.remoteCLI(token: token)
            let first = try cli.run(["publish", "sites/hello", "--name", "one", "--memory", "80m"])
            try #require(first.status == 0, "\(first)")

            let tooMany = try cli.run(["publish", "sites/hello", "--name", "two", "--memory", "80m"])
            #expect(tooMany.status == 1 && tooMany.stderr.contains("sites quota is 1"), "\(tooMany)")
            let tooBig = try cli.run(["publish", "sites/hello", "--name", "one", "--memory", "120m"])
            #expect(tooBig.status == 1 && tooBig.stderr.contains("site_memory"), "\(tooBig)")

            let admin = serve.remoteCLI(token: serve.adminToken)
            let raised = try admin.run(["admin", "user", "quota", serve.alice.user, "--sites", "5"])
            #expect(raised.status == 0, "\(raised)")
            let overTotal = try cli.run(["publish", "sites/hello", "--name", "two", "--memory", "80m"])
            #expect(overTotal.status == 1 && overTotal.stderr.contains("memory quota"), "\(overTotal)")

            let limited = try admin.run(["admin", "user", "quota", serve.alice.user, "--publishes-per-hour", "1"])
            #expect(limited.status == 0, "\(limited)")
            let rate = try await serve.upload(TarBuilder.site(), site: "one", token: token)
            #expect(rate.status == 429 && rate.headers.first(name: "Retry-After") != nil, "\(rate.body)")
            #expect(rate.json["quota"] as? String == "publishes_per_hour" && rate.json["limit"] as? Int == 1)
            #expect(try await serve.alice.containers(site: "two").isEmpty)
            let list = try admin.run(["admin", "user", "list", "--json"])
            #expect(list.stdout.contains("\"publishesPerHour\":1"), "\(list)")
        }
    }

    @Test("a custom domain is served for a user only once the operator allowed it for them; --domain is refused",
          .timeLimit(.minutes(5)))
    func domainsNeedTheOperator() async throws {
        try await ServeFixture.run { serve in
            let token = try await serve.token(for: serve.alice.user, scope: "deploy").token
            let cli = serve.remoteCLI(token: token)
            let site = try serve.alice.copyOfSite("hello")
            let domain = "www.\(serve.alice.user).example.test"
            try "domains: [\(domain)]\n".write(toFile: site + "/berth.yml", atomically: true, encoding: .utf8)

            let refused = try cli.run(["publish", site])
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderr.contains("\(domain), which the operator has not allowed for \(serve.alice.user)"),
                    "\(refused)")
            #expect(try await serve.alice.containers(site: "hello").isEmpty, "nothing was built or run")
            let flag = try cli.run(["publish", site, "--domain", "other.example.test"])
            #expect(flag.status == 64 && flag.stderr.contains("--domain"), "\(flag)")

            let admin = serve.remoteCLI(token: serve.adminToken)
            let allowed = try admin.run(["admin", "domain", "allow", serve.alice.user, domain])
            #expect(allowed.status == 0, "\(allowed)")
            let taken = try admin.run(["admin", "domain", "allow", serve.bob.user, domain])
            #expect(taken.status == 1 && taken.stderr.contains("allowed for another user"), "\(taken)")
            let published = try cli.run(["publish", site])
            #expect(published.status == 0, "\(published)")
        }
    }

    @Test("concurrent publishes of one site through the server leave one container; a busy site with no wait exits 75",
          .timeLimit(.minutes(6)))
    func concurrentPublishes() async throws {
        try await ServeFixture.run { serve in
            let token = try await serve.token(for: serve.alice.user, scope: "deploy").token
            let cli = serve.remoteCLI(token: token)
            let outcomes = try await withThrowingTaskGroup(of: BerthCLI.Outcome.self) { group in
                for index in 0..<3 {
                    group.addTask {
                        let site = try serve.alice.copyOfSite("busy")
                        try "<h1>\(index)</h1>\n".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
                        return try cli.run(["publish", site, "--lock-wait", index == 2 ? "0" : "300"])
                    }
                }
                var outcomes: [BerthCLI.Outcome] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.allSatisfy { $0.status == 0 || $0.status == 75 }, "\(outcomes)")
            #expect(outcomes.filter { $0.status == 0 }.count >= 2, "\(outcomes)")
            if let busy = outcomes.first(where: { $0.status == 75 }) {
                #expect(busy.stderr.contains("busy"), "\(busy)")
            }
            let containers = try await serve.alice.containers(site: "busy")
            #expect(containers.count == 1, "\(containers.map(\.name))")
        }
    }
}

/// The HTTP methods the tests call, named once.
enum HTTPMethodName: String, CustomStringConvertible {
    case GET, POST, PUT, DELETE

    var nio: NIOHTTP1.HTTPMethod { .init(rawValue: rawValue) }
    var description: String { rawValue }
}
