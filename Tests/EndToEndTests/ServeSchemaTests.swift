import Foundation
import Testing

/// schemathesis (PyPI, installed by scripts/test-env) against a running `berth serve`, reading the API from the
/// server's own `/v1/openapi.yaml`: with a user's token and with an admin's, no answer is a 5xx, every answer
/// matches the document (status, content type, schema), data the document allows is accepted, data it forbids
/// refused, and a method a path does not have is 405.
@Suite("berth serve against its OpenAPI document, fuzzed by schemathesis", .blockingCalls)
struct ServeSchemaTests {
    /// `BERTH_TEST_SCHEMATHESIS` (test-env's env.sh), else test-env's venv, else `schemathesis` on PATH.
    static func schemathesis() -> String? {
        let environment = ProcessInfo.processInfo.environment
        let state = environment["BERTH_TEST_STATE"] ?? "/var/lib/berth-test"
        let candidates = [environment["BERTH_TEST_SCHEMATHESIS"], state + "/schemathesis/bin/schemathesis"]
            .compactMap { $0 }.filter { !$0.isEmpty }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        let onPath = (environment["PATH"] ?? "").split(separator: ":").map { String($0) + "/schemathesis" }
        return onPath.first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    }

    @Test("no 5xx and every answer true to the document, with a user's token and with an admin's",
          .timeLimit(.minutes(5)))
    func fuzzedAgainstDocument() async throws {
        // Never skipped: without schemathesis this test fails, naming what installs it.
        let schemathesis = try #require(Self.schemathesis(),
                                        "schemathesis is not installed: run scripts/test-env (it installs it in a venv)")
        try await ServeFixture.run { serve in
            let token = try await serve.token(for: serve.alice.user, scope: "deploy").token
            // A site of the user's, so that the listing the document describes is not only the empty one.
            let published = try serve.remoteCLI(token: token).run(["publish", "sites/hello"])
            try #require(published.status == 0, "\(published)")

            let scratch = serve.directory + "/schemathesis"
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            // logs and stats with follow=true stream for as long as a site of the caller's runs: they are fuzzed
            // with the admin's token, whose user has no sites (the answer ends at once); ServeRemoteOperationsTests
            // follows them for real.
            let following = ["--exclude-path", "/v1/logs", "--exclude-path", "/v1/stats"]
            for (who, bearer, excluded) in [("user", token, following), ("admin", serve.adminToken, [])] {
                let outcome = try ChildProcess.run([
                    schemathesis, "run", serve.url + "/v1/openapi.yaml",
                    "--header", "Authorization: Bearer \(bearer)",
                    "--checks", "all",
                    // A fixed seed and a bounded number of cases: the same run every time, in well under a minute.
                    "--max-examples", "25", "--seed", "20261129", "--generation-database", "none",
                    "--request-timeout", "30", "--workers", "1",
                    // The publish upload is a tar stream schemathesis cannot make; ServeTests sends it hostile ones.
                    "--exclude-path", "/v1/sites/{site}/publish",
                    "--warnings", "off", "--no-color",
                ] + excluded, environment: ProcessInfo.processInfo.environment.merging(["HOME": scratch]) { _, new in new },
                    directory: scratch, timeout: 180)
                #expect(outcome.status == 0, "schemathesis with the \(who) token found problems:\n\(outcome.output)")
                #expect(outcome.output.contains("No issues found"), "\(who): \(outcome.output.suffix(3000))")
            }
            #expect(try await PublishFixture.get(try #require(published.stdout.split(separator: "\n").last)
                .trimmingCharacters(in: .whitespaces)).status == 200, "the user's site still serves")
        }
    }
}
