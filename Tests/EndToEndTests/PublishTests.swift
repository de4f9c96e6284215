import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `berth publish` end to end: the real dockerd and registry started by scripts/test-env, the real binary.
@Suite("Publish on the real Docker Engine", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct PublishTests {
    @Test("nginx: the printed URL serves the site, the limits and hardening are set, the tags are in the registry")
    func publishNginx() async throws {
        try await PublishFixture.run { fixture in
            let outcome = try fixture.cli().run([
                "publish", "sites/hello", "--user", fixture.user, "--registry", fixture.registry, "--json",
            ])
            #expect(outcome.status == 0, "\(outcome)")
            let result = try #require(outcome.result, "\(outcome)")
            let url = try #require(result["url"] as? String)
            #expect(url.hasPrefix("http://127.0.0.1:"))

            let home = try await PublishFixture.get(url)
            #expect(home.status == 200)
            #expect(home.body.contains("Hello from berth"))
            let nested = try await PublishFixture.get(url + "about/")
            #expect(nested.body.contains("An example site"))
            let missing = try await PublishFixture.get(url + "no/such/page")
            #expect(missing.status == 404)
            #expect(missing.body.contains("Page not found"), "the site's 404.html is the error page")

            let container = try #require(try await fixture.engine.inspectContainer(
                SiteIdentity(user: fixture.user, site: "hello").containerName))
            #expect(container.hostConfig.memory == Int64(64 << 20))
            #expect(container.hostConfig.memorySwap == Int64(64 << 20))
            #expect(container.hostConfig.readonlyRootfs == true)
            #expect(container.config.user == "101:101")
            #expect(container.hostConfig.restartPolicy?.name == "unless-stopped")
            HardeningTests.expectHardened(container, memory: 64 << 20, after: "publish")
            #expect(container.labels[BerthLabel.digest] == result["digest"] as? String)
            let image = try #require(try await fixture.engine.inspectImage(container.image))
            #expect(image.labels[BerthLabel.user] == fixture.user && image.labels[BerthLabel.site] == "hello")
            #expect(image.labels[BerthLabel.server] == "nginx")
            #expect(image.labels[BerthLabel.digest] == result["digest"] as? String)

            // pack, as the same user, shows exactly the context that was built.
            let packed = try fixture.cli().run(["pack", "sites/hello", "--user", fixture.user, "-o", "/dev/null", "--json"])
            #expect(packed.jsonLines.first?["digest"] as? String == result["digest"] as? String, "\(packed)")

            let version = try #require(result["version"] as? String)
            let tags = try await fixture.registryTags("\(fixture.user)/hello")
            #expect(Set(tags) == [version, "latest"])
            #expect(outcome.jsonLines.contains { $0["event"] as? String == "pushed" })
        }
    }

    @Test("python: serves the site with the memory limit that was asked")
    func publishPython() async throws {
        try await PublishFixture.run { fixture in
            let outcome = try fixture.cli().run([
                "publish", "sites/hello", "--user", fixture.user, "--name", "hello-py", "--server", "python",
                "--memory", "96m",
            ])
            #expect(outcome.status == 0, "\(outcome)")
            let url = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let home = try await PublishFixture.get(url)
            #expect(home.status == 200)
            #expect(home.body.contains("Hello from berth"))
            let container = try #require(try await fixture.engine.inspectContainer(
                SiteIdentity(user: fixture.user, site: "hello-py").containerName))
            #expect(container.hostConfig.memory == Int64(96 << 20))
            #expect(container.config.user == "65534:65534")
            #expect(container.labels[BerthLabel.server] == "python")
        }
    }

    @Test("a changed file is served after republishing, on the same URL; unchanged content is a fast no-op")
    func republish() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let cli = fixture.cli()
            let first = try cli.run(["publish", site, "--user", fixture.user, "--json"])
            #expect(first.status == 0, "\(first)")
            let url = try #require(first.result?["url"] as? String)

            try "<h1>Version two</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            let second = try cli.run(["publish", site, "--user", fixture.user, "--json"])
            #expect(second.status == 0, "\(second)")
            #expect(second.result?["url"] as? String == url)
            #expect(try await PublishFixture.get(url).body.contains("Version two"))
            let containers = try await fixture.containers()
            #expect(containers.count == 1, "exactly one container serves the site")
            #expect(containers.first?.name == SiteIdentity(user: fixture.user, site: "hello").containerName)

            let third = try cli.run(["publish", site, "--user", fixture.user, "--json"])
            #expect(third.status == 0, "\(third)")
            #expect(third.result?["upToDate"] as? Bool == true)
            #expect(third.result?["containerID"] as? String == second.result?["containerID"] as? String)
            // Fast because nothing is done past packing: no build, push, start or check. The time only guards
            // against a no-op that waits for something; a loaded CI machine can take seconds for the packing alone.
            let stages = Set(third.jsonLines.compactMap { $0["stage"] as? String })
            #expect(stages == ["pack"], "\(third)")
            #expect(third.seconds < 20)
        }
    }

    @Test("a base image that does not exist fails with the daemon's message; the previous version still serves")
    func missingBaseImage() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let cli = fixture.cli()
            let first = try cli.run(["publish", site, "--user", fixture.user])
            #expect(first.status == 0, "\(first)")
            let url = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            try "<h1>Never served</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            let failed = try cli.run(["publish", site, "--user", fixture.user, "--base-image", "127.0.0.1:5000/berth-test/no-such-image:1"])
            #expect(failed.status == 1, "\(failed)")
            #expect(failed.stderr.contains("berth-test/no-such-image"), "\(failed)")
            #expect(failed.stderr.contains("berth: error:"))
            let home = try await PublishFixture.get(url)
            #expect(home.status == 200)
            #expect(home.body.contains("Hello from berth"))
        }
    }

    @Test("a new version whose server cannot start fails the publish with its logs; the previous still serves")
    func brokenServerConfig() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let first = try fixture.cli().run(["publish", site, "--user", fixture.user])
            #expect(first.status == 0, "\(first)")
            let url = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            let failed = try fixture.cli(["BERTH_TEMPLATES": try fixture.brokenTemplates()]).run([
                "publish", site, "--user", fixture.user, "--check-timeout", "10",
            ])
            #expect(failed.status == 1, "\(failed)")
            #expect(failed.stderr.contains("this_is_not_a_directive"), "the new container's log lines are shown: \(failed)")
            #expect(failed.stderr.contains("previous version still serves"), "\(failed)")
            let home = try await PublishFixture.get(url)
            #expect(home.status == 200)
            #expect(home.body.contains("Hello from berth"))
            let containers = try await fixture.containers()
            #expect(containers.count == 1)
            #expect(containers.first?.state == "running")
            // The broken build is gone, so it is not a version to keep or roll back to, and `latest` still names
            // the version that serves.
            let images = try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
            #expect(images.count == 1, "only the serving version's image is left: \(images.map(\.repoTags))")
            #expect(images.first?.id == containers.first?.imageID)
            #expect(images.first?.repoTags?.contains { $0.hasSuffix("/hello:latest") } == true)
        }
    }

    @Test("Ctrl-C (or a CI runner's SIGTERM) while the new version is checked restores the previous version",
          arguments: [SIGINT, SIGTERM])
    func interruptedPublish(signal: Int32) async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let first = try fixture.cli().run(["publish", site, "--user", fixture.user])
            #expect(first.status == 0, "\(first)")
            let url = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            try "<h1>Interrupted</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            // The new version runs and answers 503, so the publish is still checking it when the signal comes. (A
            // server that cannot start fails the check at once, and the signal could come after the publish had
            // ended.)
            let status = try await BackgroundBerth.interruptedInCheck(
                fixture.cli(["BERTH_TEMPLATES": try fixture.unansweringTemplates()]),
                ["publish", site, "--user", fixture.user], signal: signal)
            #expect(status == 1, "a cancelled publish fails (after restoring)")
            #expect(try await fixture.engine.inspectContainer(
                SiteIdentity(user: fixture.user, site: "hello").lockContainerName) == nil,
                    "the deploy lock was released")
            let home = try await PublishFixture.get(url)
            #expect(home.status == 200)
            #expect(home.body.contains("Hello from berth"), "the previous version serves again")
            let containers = try await fixture.containers()
            #expect(containers.count == 1)
            #expect(containers.first?.state == "running")
        }
    }

    @Test("a wrong registry password is a clear error and nothing changes on the host")
    func wrongRegistryPassword() async throws {
        try await PublishFixture.run { fixture in
            let outcome = try fixture.cli(["BERTH_REGISTRY_PASSWORD": "wrong-password"]).run([
                "publish", "sites/hello", "--user", fixture.user, "--registry", fixture.registry,
            ])
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("registry \(fixture.registry) refused"), "\(outcome)")
            #expect(!outcome.stderr.contains("wrong-password"), "the password never appears in output")
            #expect(!outcome.stdout.contains("wrong-password"))
            #expect(try await fixture.containers().isEmpty)
            let images = try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
            #expect(images.isEmpty, "nothing was built")
        }
    }

    @Test("an unreachable host is a clear error within seconds", arguments: ["tcp://127.0.0.1:1", "unix:///tmp/berth-none.sock"])
    func unreachableHost(_ endpoint: String) async throws {
        let fixture = try await PublishFixture()
        let inventory = NSTemporaryDirectory() + "/berth-e2e-hosts-\(UUID().uuidString).yml"
        try "hosts:\n  gone:\n    docker: \(endpoint)\n".write(toFile: inventory, atomically: true, encoding: .utf8)
        let outcome = try fixture.cli().run(["publish", "sites/hello", "--hosts", inventory, "--host", "gone"])
        #expect(outcome.status == 1, "\(outcome)")
        // Well under the 60 s request timeout it must not wait out; a loaded CI machine can take seconds to start
        // berth and pack the site.
        #expect(outcome.seconds < 30)
        #expect(outcome.stderr.contains("Cannot reach the Docker daemon"), "\(outcome)")
        #expect(outcome.stderr.contains(endpoint.replacingOccurrences(of: "unix://", with: "")), "\(outcome)")
    }

    @Test("berth hosts shows the local engine answering, with its version, CPUs and memory")
    func hosts() async throws {
        let fixture = try await PublishFixture()
        let outcome = try fixture.cli().run(["hosts", "--json"])
        #expect(outcome.status == 0, "\(outcome)")
        let host = try #require(outcome.jsonLines.first)
        #expect(host["name"] as? String == "local")
        #expect(host["reachable"] as? Bool == true)
        #expect((host["engineVersion"] as? String)?.isEmpty == false)
        #expect((host["cpus"] as? Int ?? 0) > 0)
        #expect((host["memoryBytes"] as? Int ?? 0) > 0)
    }
}
