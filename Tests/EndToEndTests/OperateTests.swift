import BerthCore
import Foundation
import NIOCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `berth sites`, `stop`, `start`, `rm`, `versions`, `rollback` and publish's version retention, end to end.
@Suite("Operate published sites on the real Docker Engine", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct OperateTests {
    /// Publishes and returns the JSON result, failing the test with the whole outcome otherwise.
    static func publish(_ fixture: PublishFixture, _ site: String, _ extra: [String] = []) throws -> [String: Any] {
        let outcome = try fixture.cli().run(["publish", site, "--user", fixture.user, "--json"] + extra)
        #expect(outcome.status == 0, "\(outcome)")
        return try #require(outcome.result, "\(outcome)")
    }

    /// A copy of the example site whose home page says `text`.
    static func site(_ fixture: PublishFixture, saying text: String) throws -> String {
        let site = try fixture.copyOfSite()
        try write(text, to: site)
        return site
    }

    static func write(_ text: String, to site: String) throws {
        try "<h1>\(text)</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
    }

    static func serves(_ url: String) async -> String? {
        guard let page = try? await PublishFixture.get(url), page.status == 200 else { return nil }
        return page.body
    }

    @Test("sites lists what was published: state, URL, version, memory limit and use, uptime")
    func sitesList() async throws {
        try await PublishFixture.run { fixture in
            let result = try Self.publish(fixture, "sites/hello", ["--memory", "96m"])
            let outcome = try fixture.cli().run(["sites", "--user", fixture.user, "--json"])
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.jsonLines.count == 1, "\(outcome)")
            let site = try #require(outcome.jsonLines.first)
            #expect(site["user"] as? String == fixture.user)
            #expect(site["site"] as? String == "hello")
            #expect(site["host"] as? String == "local")
            #expect(site["state"] as? String == "running")
            #expect(site["url"] as? String == result["url"] as? String)
            #expect(site["version"] as? String == result["version"] as? String)
            #expect(site["memoryLimit"] as? Int == 96 << 20)
            let usage = try #require(site["memoryUsage"] as? Int, "one stats sample gives the memory in use")
            #expect(usage > 0 && usage < 96 << 20)
            #expect((site["uptimeSeconds"] as? Int ?? -1) >= 0)
            #expect(site["containerName"] as? String == SiteIdentity(user: fixture.user, site: "hello").containerName)

            let table = try fixture.cli().run(["sites", "--user", fixture.user])
            #expect(table.status == 0, "\(table)")
            let lines = table.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("USER") == true)
            let row = try #require(lines.first { $0.hasPrefix(fixture.user) }, "\(table)")
            #expect(row.contains("hello") && row.contains("running") && row.contains("/ 96 MiB"), "\(row)")
        }
    }

    @Test("an unreachable host is an error row and exit status 1, and the other hosts still list")
    func sitesWithUnreachableHost() async throws {
        try await PublishFixture.run { fixture in
            _ = try Self.publish(fixture, "sites/hello")
            let inventory = NSTemporaryDirectory() + "/berth-e2e-hosts-\(UUID().uuidString).yml"
            try "hosts:\n  local:\n    docker: unix:///var/run/docker.sock\n  gone:\n    docker: tcp://127.0.0.1:1\n"
                .write(toFile: inventory, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: inventory) }

            let outcome = try fixture.cli().run(["sites", "--hosts", inventory, "--all-hosts", "--user", fixture.user,
                                                 "--json"])
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.seconds < 20)
            let gone = try #require(outcome.jsonLines.first { $0["host"] as? String == "gone" }, "\(outcome)")
            #expect((gone["error"] as? String)?.contains("Cannot reach the Docker daemon") == true, "\(outcome)")
            let local = outcome.jsonLines.filter { $0["host"] as? String == "local" }
            #expect(local.count == 1 && local.first?["site"] as? String == "hello", "\(outcome)")

            let table = try fixture.cli().run(["sites", "--hosts", inventory, "--all-hosts", "--user", fixture.user])
            #expect(table.status == 1)
            #expect(table.stdout.contains("gone") && table.stdout.contains("error"), "\(table)")
            #expect(table.stdout.contains("hello"), "\(table)")
            #expect(table.stderr.contains("berth: error: gone:"), "\(table)")
        }
    }

    @Test("stop: the URL no longer answers and the state is stopped; start: it serves again; rm: the container goes")
    func stopStartRemove() async throws {
        try await PublishFixture.run { fixture in
            let result = try Self.publish(fixture, "sites/hello")
            let url = try #require(result["url"] as? String)
            let cli = fixture.cli()

            let stopped = try cli.run(["stop", "hello", "--user", fixture.user, "--json"])
            #expect(stopped.status == 0, "\(stopped)")
            #expect(stopped.jsonLines.first?["state"] as? String == "stopped")
            #expect(stopped.jsonLines.first?["changed"] as? Bool == true)
            #expect(await Self.serves(url) == nil, "a stopped site does not answer")
            let listed = try cli.run(["sites", "--user", fixture.user, "--json"])
            #expect(listed.jsonLines.first?["state"] as? String == "stopped", "\(listed)")
            #expect(listed.jsonLines.first?["url"] as? String == url, "a stopped site keeps its URL")
            let again = try cli.run(["stop", "hello", "--user", fixture.user])
            #expect(again.status == 0 && again.stdout.contains("already stopped"), "\(again)")

            let started = try cli.run(["start", "hello", "--user", fixture.user])
            #expect(started.status == 0, "\(started)")
            #expect(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == url)
            #expect(await Self.serves(url)?.contains("Hello from berth") == true, "start waits until it serves")

            let removed = try cli.run(["rm", "hello", "--user", fixture.user, "--json"])
            #expect(removed.status == 0, "\(removed)")
            #expect(try await fixture.containers().isEmpty)
            let images = try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
            #expect(images.count == 1, "rm without --images keeps the images")

            let gone = try cli.run(["stop", "hello", "--user", fixture.user])
            #expect(gone.status == 1)
            #expect(gone.stderr.contains("no site \(fixture.user)/hello on local"), "\(gone)")

            let withImages = try cli.run(["rm", "hello", "--user", fixture.user, "--images", "--json"])
            #expect(withImages.status == 0, "a site without a container is found by its images: \(withImages)")
            #expect(withImages.jsonLines.first?["removedVersions"] as? [String] == [result["version"] as? String ?? ""])
            #expect(try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"]).isEmpty)
        }
    }

    @Test("rm --images removes the container and every image of the site")
    func removeWithImages() async throws {
        try await PublishFixture.run { fixture in
            let site = try Self.site(fixture, saying: "One")
            _ = try Self.publish(fixture, site, ["--tag", "one"])
            try Self.write("Two", to: site)
            _ = try Self.publish(fixture, site, ["--tag", "two"])
            let removed = try fixture.cli().run(["rm", "hello", "--user", fixture.user, "--images", "--json"])
            #expect(removed.status == 0, "\(removed)")
            #expect(Set(removed.jsonLines.first?["removedVersions"] as? [String] ?? []) == ["one", "two"])
            #expect(try await fixture.containers().isEmpty)
            #expect(try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"]).isEmpty)
        }
    }

    @Test("containers berth did not create, and other users' sites, are never touched")
    func othersUntouched() async throws {
        try await PublishFixture.run { fixture in
            _ = try Self.publish(fixture, "sites/hello")
            let stranger = fixture.user + "x"
            // The canonical name of stranger/hello, but no labels: not a berth site.
            let plain = try await fixture.startPlainContainer(
                name: SiteIdentity(user: stranger, site: "hello").containerName)
            // A berth site called hello, of another user.
            let otherUser = fixture.user + "y"
            let other = try await fixture.startPlainContainer(
                name: SiteIdentity(user: otherUser, site: "hello").containerName,
                labels: [BerthLabel.site: "hello", BerthLabel.user: otherUser])
            let cli = fixture.cli()

            let ambiguous = try cli.run(["stop", "hello"])
            #expect(ambiguous.status == 1)
            #expect(ambiguous.stderr.contains("name one with --user"), "\(ambiguous)")
            #expect(try await fixture.containers().first?.state == "running", "an ambiguous name stops nothing")
            let notBerths = try cli.run(["stop", "hello", "--user", stranger])
            #expect(notBerths.status == 1)
            #expect(notBerths.stderr.contains("no site \(stranger)/hello"), "\(notBerths)")
            let notBerthsRemoved = try cli.run(["rm", "hello", "--user", stranger, "--images"])
            #expect(notBerthsRemoved.status == 1, "\(notBerthsRemoved)")

            let removed = try cli.run(["rm", "hello", "--user", fixture.user, "--images"])
            #expect(removed.status == 0, "\(removed)")
            #expect(try await fixture.containers().isEmpty)
            for id in [plain, other] {
                let container = try #require(try await fixture.engine.inspectContainer(id))
                #expect(container.state.running, "\(container.plainName) is still running")
            }
        }
    }

    @Test("versions lists both versions after two publishes; rollback serves the earlier one and versions marks it")
    func versionsAndRollback() async throws {
        try await PublishFixture.run { fixture in
            let site = try Self.site(fixture, saying: "Version one")
            let first = try Self.publish(fixture, site, ["--tag", "one"])
            let url = try #require(first["url"] as? String)
            try Self.write("Version two", to: site)
            _ = try Self.publish(fixture, site, ["--tag", "two"])
            #expect(await Self.serves(url)?.contains("Version two") == true)
            let cli = fixture.cli()

            let listed = try cli.run(["versions", "hello", "--user", fixture.user, "--json"])
            #expect(listed.status == 0, "\(listed)")
            #expect(listed.jsonLines.compactMap { $0["version"] as? String } == ["two", "one"], "newest first")
            #expect(listed.jsonLines.map { $0["running"] as? Bool } == [true, false])
            #expect(listed.jsonLines.allSatisfy { ($0["size"] as? Int ?? 0) > 0 && $0["created"] is String })
            #expect(listed.jsonLines.first?["site"] as? String == "hello")

            let rolledBack = try cli.run(["rollback", "hello", "--user", fixture.user, "--json"])
            #expect(rolledBack.status == 0, "\(rolledBack)")
            #expect(rolledBack.result?["version"] as? String == "one")
            #expect(rolledBack.result?["url"] as? String == url, "the site keeps its URL")
            #expect(rolledBack.jsonLines.contains { $0["stage"] as? String == "check" })
            #expect(await Self.serves(url)?.contains("Version one") == true)
            let after = try cli.run(["versions", "hello", "--user", fixture.user, "--json"])
            #expect(after.jsonLines.map { $0["running"] as? Bool } == [false, true], "\(after)")
            let table = try cli.run(["versions", "hello", "--user", fixture.user])
            #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("one") && $0.hasSuffix("running") },
                    "\(table)")
            #expect(try await fixture.containers().count == 1, "exactly one container serves the site")

            let missing = try cli.run(["rollback", "hello", "--user", fixture.user, "--to", "zero"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("version zero of \(fixture.user)/hello is not kept on local"), "\(missing)")
            #expect(missing.stderr.contains("kept versions: two, one"), "\(missing)")
            #expect(await Self.serves(url)?.contains("Version one") == true, "a failed rollback changes nothing")

            let nothingOlder = try cli.run(["rollback", "hello", "--user", fixture.user])
            #expect(nothingOlder.status == 1)
            #expect(nothingOlder.stderr.contains("no version of \(fixture.user)/hello older"), "\(nothingOlder)")

            let same = try cli.run(["rollback", "hello", "--user", fixture.user, "--to", "one", "--json"])
            #expect(same.status == 0, "\(same)")
            #expect(same.result?["upToDate"] as? Bool == true)

            let forward = try cli.run(["rollback", "hello", "--user", fixture.user, "--to", "two"])
            #expect(forward.status == 0, "\(forward)")
            #expect(forward.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == url)
            #expect(await Self.serves(url)?.contains("Version two") == true)
        }
    }

    /// Builds a kept version that does not serve, as publish labels a version, from what pack makes with other
    /// templates: a publish whose version fails its check removes the image, so none is left to roll back to.
    static func keepVersion(_ version: String, of site: String, templates: String, _ fixture: PublishFixture)
        async throws
    {
        let tarPath = FileManager.default.temporaryDirectory.appendingPathComponent("\(fixture.user)-\(version).tar")
        defer { try? FileManager.default.removeItem(at: tarPath) }
        let packed = try fixture.cli(["BERTH_TEMPLATES": templates]).run([
            "pack", site, "--user", fixture.user, "-o", tarPath.path, "--json",
        ])
        let digest = try #require(packed.jsonLines.first?["digest"] as? String, "\(packed)")
        let tar = ByteBuffer(bytes: try Data(contentsOf: tarPath))
        try await fixture.engine.buildRetrying({ AsyncStream<ByteBuffer> { $0.yield(tar); $0.finish() } },
                                               options: BuildOptions(
            tags: ["\(fixture.user)/hello:\(version)"],
            labels: [BerthLabel.digest: digest, BerthLabel.version: version]))
    }

    @Test("SIGTERM (a CI runner cancelling) while a rollback is checked restores the version that was serving")
    func interruptedRollback() async throws {
        try await PublishFixture.run { fixture in
            let site = try Self.site(fixture, saying: "Serving")
            let serving = try Self.publish(fixture, site, ["--tag", "serving"])
            let url = try #require(serving["url"] as? String)
            // A version whose server runs but answers 503, so the rollback is still checking it when the signal
            // comes.
            try Self.write("Unanswering", to: site)
            try await Self.keepVersion("unanswering", of: site, templates: try fixture.unansweringTemplates(), fixture)

            let status = try await BackgroundBerth.interruptedInCheck(
                fixture.cli(), ["rollback", "hello", "--user", fixture.user, "--to", "unanswering"], signal: SIGTERM)
            #expect(status == 1, "a cancelled rollback fails (after restoring)")
            #expect(try await fixture.engine.inspectContainer(
                SiteIdentity(user: fixture.user, site: "hello").lockContainerName) == nil,
                    "the deploy lock was released")
            #expect(await Self.serves(url)?.contains("Serving") == true, "the version that was serving serves again")
            let containers = try await fixture.containers()
            #expect(containers.count == 1 && containers.first?.state == "running", "\(containers)")
        }
    }

    @Test("a rollback to a version that does not serve is undone: the current version serves again")
    func failedRollbackRestores() async throws {
        try await PublishFixture.run { fixture in
            let site = try Self.site(fixture, saying: "Good")
            let good = try Self.publish(fixture, site, ["--tag", "good"])
            let url = try #require(good["url"] as? String)
            try Self.write("Broken", to: site)
            try await Self.keepVersion("broken", of: site, templates: try fixture.brokenTemplates(), fixture)

            let rollback = try fixture.cli().run([
                "rollback", "hello", "--user", fixture.user, "--to", "broken", "--check-timeout", "5",
            ])
            #expect(rollback.status == 1, "\(rollback)")
            #expect(rollback.stderr.contains("this_is_not_a_directive"), "its log lines are shown: \(rollback)")
            #expect(rollback.stderr.contains("previous version still serves"), "\(rollback)")
            #expect(await Self.serves(url)?.contains("Good") == true)
            let containers = try await fixture.containers()
            #expect(containers.count == 1 && containers.first?.state == "running", "\(containers)")
            let versions = try fixture.cli().run(["versions", "hello", "--user", fixture.user, "--json"])
            #expect(versions.jsonLines.first { $0["running"] as? Bool == true }?["version"] as? String == "good")
        }
    }

    @Test("publish keeps the newest --keep versions' images and removes older ones")
    func retention() async throws {
        try await PublishFixture.run { fixture in
            let site = try Self.site(fixture, saying: "One")
            _ = try Self.publish(fixture, site, ["--tag", "one", "--keep", "2"])
            try Self.write("Two", to: site)
            _ = try Self.publish(fixture, site, ["--tag", "two", "--keep", "2"])
            try Self.write("Three", to: site)
            let third = try Self.publish(fixture, site, ["--tag", "three", "--keep", "2"])
            #expect(third["removedVersions"] as? [String] == ["one"])

            let images = try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
            #expect(images.count == 2)
            #expect(Set(images.compactMap { $0.labels?[BerthLabel.version] }) == ["two", "three"])
            let url = try #require(third["url"] as? String)
            #expect(await Self.serves(url)?.contains("Three") == true)
        }
    }
}
