import AsyncHTTPClient
import BerthCore
import Foundation
import Testing

/// `berth serve` killed with SIGKILL in the middle of a publish: what serves keeps serving, and the server,
/// started again on the same database, says what became of the cut-off publish and publishes again.
@Suite("berth serve killed mid-publish", .blockingCalls)
struct ServeRecoveryTests {
    @Test("kill -9 while a publish is in its check: version 1 serves throughout, the deploy is recorded as failed after the restart, and the next publish works",
          .timeLimit(.minutes(6)))
    func killedMidPublish() async throws {
        try await ServeFixture.run { serve in
            let token = try await serve.token(for: serve.alice.user, scope: "deploy").token
            let site = try serve.alice.copyOfSite("hello")
            try "<h1>Version one</h1>\n".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            let first = try serve.remoteCLI(token: token).run(["publish", site, "--json"])
            try #require(first.status == 0, "\(first)")
            let url = try #require(first.result?["url"] as? String)
            #expect(try await Self.page(url) == "<h1>Version one</h1>\n")

            // Version two's check asks a page that redirects (never a 200, and not a 404 that would end the check at
            // once), so the publish stays in its check until the check's time-out, long after the kill.
            try "<h1>Version two</h1>\n".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            try "check_path: /wait\n".write(toFile: site + "/berth.yml", atomically: true, encoding: .utf8)
            try "/wait /index.html 302\n".write(toFile: site + "/_redirects", atomically: true, encoding: .utf8)

            let watcher = ServingWatcher(url: url, expected: "<h1>Version one</h1>\n")
            defer { watcher.stop() }
            let publishing = try BackgroundBerth(serve.remoteCLI(token: token),
                                                 ["publish", site, "--json", "--check-timeout", "120"])
            let inCheck = try await BackgroundBerth.eventually(within: .seconds(120)) {
                try publishing.stdout().contains("\"stage\":\"check\"") || !publishing.process.isRunning
            }
            try #require(inCheck && publishing.process.isRunning,
                         "the publish reached its check through the server: \(publishing.description)")
            try await Task.sleep(for: .milliseconds(500))
            try await serve.kill(with: SIGKILL)
            _ = try await BackgroundBerth.eventually(within: .seconds(30)) { !publishing.process.isRunning }
            #expect(publishing.process.terminationStatus == 1, "the client says the publish failed: \(publishing.description)")
            #expect(try publishing.stderr().contains("before the result"), "and why: \(publishing.description)")
            let lock = SiteIdentity(user: serve.alice.user, site: "hello").lockContainerName
            #expect(try await serve.alice.engine.inspectContainer(lock) != nil, "the killed server held the site's lock")

            let down = try serve.remoteCLI(token: token).run(["sites"])
            #expect(down.status == 1 && down.stderr.contains("cannot reach the berth server"), "\(down)")
            #expect(down.seconds < 10, "a server that is down is reported at once: \(down.seconds) s")

            try await serve.restart()
            let admin = try await serve.call(.GET, "/v1/audit?user=\(serve.alice.user)", token: serve.adminToken)
            try #require(admin.status == 200, "\(admin.body)")
            let entries = (try JSONSerialization.jsonObject(with: Data(admin.body.utf8)) as? [[String: Any]]) ?? []
            let publishes = entries.filter { $0["action"] as? String == "publish" && $0["site"] as? String == "hello" }
            #expect(publishes.count == 2, "the first publish and the cut-off one: \(publishes)")
            let cutOff = try #require(publishes.last)
            #expect(cutOff["result"] as? String == "failed", "\(cutOff)")
            #expect((cutOff["detail"] as? String)?.contains("the server stopped during the publish") == true, "\(cutOff)")
            #expect(cutOff["source"] as? String == "server restart", "\(cutOff)")
            #expect(cutOff["token"] as? String == publishes.first?["token"] as? String && cutOff["token"] != nil,
                    "it names the token the cut-off publish came with, as the first one's entry does: \(publishes)")

            // Until now (the next publish switches versions, which is not this test's concern) version 1 answered
            // every request: while version 2 was checked, when the server was killed, and while it restarted.
            let served = watcher.stop()
            #expect(served.failures.isEmpty, "version 1 answered every request: \(served.failures)")
            #expect(served.answered > 10, "the site was asked throughout: \(served.answered)")

            // The next publish takes the lock the killed server left (its process is gone, so the lock is stale at
            // once), replaces the cut-off run's staging container, and serves.
            try FileManager.default.removeItem(atPath: site + "/berth.yml")
            try FileManager.default.removeItem(atPath: site + "/_redirects")
            try "<h1>Version three</h1>\n".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            let started = ContinuousClock.now
            let third = try serve.remoteCLI(token: token).run(["publish", site, "--json", "--lock-wait", "20"])
            #expect(third.status == 0, "\(third)")
            #expect(ContinuousClock.now - started < .seconds(50), "the lock was broken at once, not after its lease ran out")
            #expect(third.result?["url"] as? String == url)
            #expect(try await Self.page(url) == "<h1>Version three</h1>\n")
            let containers = try await serve.alice.containers(site: "hello")
            #expect(containers.count == 1 && containers.first?.state == "running", "\(containers)")
            #expect(try await serve.alice.engine.inspectContainer(lock) == nil, "the lock is released")
            #expect(try serve.leftoverUploads().isEmpty, "the killed publish's upload was removed at the restart")
        }
    }

    static func page(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }
}
