import BerthCore
import Foundation
import Testing

/// Whose fault a failure through `berth serve` is, as the API says it: a site that does not serve is the user's
/// site's failure (site-failed, 422), an engine the server cannot reach is a bad gateway (engine-unreachable, 502);
/// the CLI's exit statuses stay those of a local run.
@Suite("berth serve: failures say whose fault they are", .blockingCalls)
struct ServeErrorTests {
    @Test("a publish whose check fails ends in site-failed (not the server's 'failed'), exits 1 like a local one, and is audited so",
          .timeLimit(.minutes(5)))
    func checkFailureIsTheSites() async throws {
        try await ServeFixture.run { serve in
            let token = try await serve.token(for: serve.alice.user, scope: "deploy").token
            let site = try serve.alice.copyOfSite("hello")
            try "check_path: /wait\n".write(toFile: site + "/berth.yml", atomically: true, encoding: .utf8)
            try "/wait /index.html 302\n".write(toFile: site + "/_redirects", atomically: true, encoding: .utf8)
            let outcome = try serve.remoteCLI(token: token).run(["publish", site, "--json", "--check-timeout", "2"])
            #expect(outcome.status == 1, "exit status as locally: \(outcome)")
            #expect(outcome.stderr.contains("did not serve"), "\(outcome)")

            // The API's own stream ends in an error line with the code.
            let tar = TarBuilder.site {
                $0.file("site/berth.yml", "check_path: /wait\n")
                $0.file("site/_redirects", "/wait /index.html 302\n")
            }
            let answer = try await serve.call(
                .POST, "/v1/sites/other/publish?digest=\(ServeFixture.digest(tar))&check-timeout=1", token: token,
                body: tar)
            #expect(answer.status == 200, "progress is streamed: \(answer.body)")
            let last = answer.body.split(separator: "\n").last.map { String($0) } ?? ""
            let error = (try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]) ?? [:]
            #expect(error["event"] as? String == "error" && error["code"] as? String == "site-failed", "\(last)")
            #expect((error["message"] as? String)?.contains("did not serve") == true, "\(last)")

            let audit = try await serve.call(.GET, "/v1/audit?user=\(serve.alice.user)", token: serve.adminToken)
            let entries = (try JSONSerialization.jsonObject(with: Data(audit.body.utf8)) as? [[String: Any]]) ?? []
            let publishes = entries.filter { $0["action"] as? String == "publish" }
            #expect(publishes.count == 2 && publishes.allSatisfy { $0["result"] as? String == "site-failed" },
                    "\(entries)")
        }
    }

    @Test("an engine the server cannot reach is 502 engine-unreachable, and the CLI exits 1", .timeLimit(.minutes(3)))
    func unreachableEngineIsBadGateway() async throws {
        let directory = NSTemporaryDirectory() + "berth-unreachable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        try "hosts:\n  gone:\n    docker: tcp://127.0.0.1:1\n".write(toFile: directory + "/hosts.yml", atomically: true,
                                                                         encoding: .utf8)
        try await ServeFixture.run(settings: "hosts: \(directory)/hosts.yml") { serve in
            let token = try await serve.token(for: serve.alice.user, scope: "deploy").token
            let answer = try await serve.call(.POST, "/v1/sites/hello/stop", token: token)
            #expect(answer.status == 502 && answer.problemCode == "engine-unreachable", "\(answer.body)")
            // The inventory (engine addresses, certificate files) never reaches a client: the kind of fault does,
            // and the operator's log has the rest.
            #expect(answer.detail.contains("cannot reach one of its Docker hosts") && !answer.detail.contains("127.0.0.1:1"),
                    "\(answer.detail)")
            let stop = try serve.remoteCLI(token: token).run(["stop", "hello"])
            #expect(stop.status == 1 && stop.stderr.contains("cannot reach one of its Docker hosts"), "\(stop)")
            #expect(!stop.stderr.contains("127.0.0.1:1") && !stop.stderr.contains("DOCKER_HOST"), "\(stop)")
            let sites = try serve.remoteCLI(token: token).run(["sites"])
            #expect(!sites.stderr.contains("127.0.0.1:1") && !sites.stdout.contains("127.0.0.1:1"), "\(sites)")
            #expect(serve.serverLog().contains("127.0.0.1:1"), "the server's log names the engine")
        }
    }
}
