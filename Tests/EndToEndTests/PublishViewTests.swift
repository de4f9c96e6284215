import Foundation
import Testing

/// What a person sees of a publish: one line per stage with bytes and rate, the build's own output only with
/// --verbose or when it fails; and the JSON events, which gain the context upload's progress.
@Suite("Publish progress view", .serialized, .timeLimit(.minutes(6)), .blockingCalls)
struct PublishViewTests {
    @Test("plain lines per stage with bytes and rate; build output only with --verbose")
    func plainLines() async throws {
        try await PublishFixture.run { fixture in
            // A few MiB, so that sending takes long enough to have a rate.
            let site = try fixture.copyOfSite()
            try Data(count: 4 << 20).write(to: URL(fileURLWithPath: site + "/large.bin"))
            let quiet = try fixture.cli().run(["publish", site, "--user", fixture.user])
            #expect(quiet.status == 0, "\(quiet)")
            #expect(quiet.stderr.contains("==> Sending and building"), "\(quiet)")
            #expect(!quiet.stderr.contains("Step 1/"), "the build's own output is held back: \(quiet)")
            #expect(!quiet.stderr.contains("pack done"), "no 'pack done' before the real packing: \(quiet)")
            let buildLine = quiet.stderr.split(separator: "\n").first { $0.contains("sent and built in") }
            #expect(buildLine?.contains(" MiB of ") == true && buildLine?.contains("/s") == true,
                    "the build line says how much was sent and how fast: \(quiet)")
            #expect(quiet.stderr.components(separatedBy: "\n").count < 20, "a short view: \(quiet)")

            let verbose = try fixture.cli().run(["publish", try fixture.copyOfSite(), "--user", fixture.user,
                                                 "--name", "verbose", "--verbose"])
            #expect(verbose.status == 0, "\(verbose)")
            #expect(verbose.stderr.contains("Step 1/"), "\(verbose)")
        }
    }

    @Test("the push is one line for all layers: bytes, rate, layers done")
    func pushLine() async throws {
        try await PublishFixture.run { fixture in
            let outcome = try fixture.cli().run(["publish", try fixture.copyOfSite(), "--user", fixture.user,
                                                 "--registry", fixture.registry])
            #expect(outcome.status == 0, "\(outcome)")
            let pushLine = outcome.stderr.split(separator: "\n").first { $0.contains("pushed in") }
            let layers = try #require(pushLine?.split(separator: ", ").last, "\(outcome)")
            let counts = layers.split(separator: " ").compactMap { Int($0) }
            #expect(layers.hasSuffix("layers)") && counts.count == 2 && counts[0] == counts[1],
                    "every layer is counted done: \(outcome)")
            #expect(!outcome.stderr.contains("Layer already exists") && !outcome.stderr.contains("Preparing"),
                    "no line per layer state: \(outcome)")
        }
    }

    @Test("a failed build shows the build's output in full")
    func failedBuild() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let failed = try fixture.cli(["BERTH_TEMPLATES": try fixture.failingBuildTemplates()])
                .run(["publish", site, "--user", fixture.user])
            #expect(failed.status == 1, "\(failed)")
            #expect(failed.stderr.contains("--- the build's output"), "\(failed)")
            #expect(failed.stderr.contains("Step 1/"), "\(failed)")
        }
    }

    @Test("JSON progress events of the build carry the bytes of the context sent")
    func jsonUpload() async throws {
        try await PublishFixture.run { fixture in
            let outcome = try fixture.cli().run(["publish", try fixture.copyOfSite(), "--user", fixture.user, "--json"])
            #expect(outcome.status == 0, "\(outcome)")
            let upload = outcome.jsonLines.filter {
                $0["event"] as? String == "progress" && $0["status"] as? String == "Sending build context"
            }
            let last = try #require(upload.last, "\(outcome)")
            #expect(last["stage"] as? String == "build")
            #expect((last["current"] as? Int).map { $0 > 0 } == true && last["current"] as? Int == last["total"] as? Int,
                    "\(last)")
            #expect(outcome.jsonLines.contains { $0["event"] as? String == "build-output" }, "unchanged events stay")
        }
    }

    @Test("on a terminal the stage line is rewritten in place")
    func terminal() async throws {
        try await PublishFixture.run { fixture in
            var cli = fixture.cli()
            cli.program = "/usr/bin/python3"
            let spawn = "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)"
            let outcome = try cli.run(["-c", spawn, BerthCLI.executable, "publish", try fixture.copyOfSite(),
                                       "--user", fixture.user])
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.stdout.contains("\r\u{1B}[2K==> Sending and building"), "\(outcome)")
            #expect(outcome.stdout.contains("==> Sending and building") && outcome.stdout.contains(": done in"),
                    "\(outcome)")
            #expect(!outcome.stdout.contains("Step 1/"), "\(outcome)")
        }
    }
}
