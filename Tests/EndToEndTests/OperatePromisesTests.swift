import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Promises of README "stop, start, rm", the deploy lock and "logs" that no other test checked.
@Suite("Operate: the README's promises", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct OperatePromisesTests {
    @Test("start of a site that starts but does not answer: exit 1 with its last log lines; it is left running")
    func startOfASiteThatDoesNotAnswer() async throws {
        try await PublishFixture.run { fixture in
            let site = try OperateTests.site(fixture, saying: "Serving")
            let published = try OperateTests.publish(fixture, site, ["--tag", "serving"])
            let url = try #require(published["url"] as? String)
            let port = try #require(URL(string: url)?.port)
            // The site's container is swapped, while stopped, for one of a version that answers 503: made as publish
            // makes a site's container, from an image labelled as publish labels a version.
            try OperateTests.write("Unanswering", to: site)
            try await OperateTests.keepVersion("unanswering", of: site, templates: try fixture.unansweringTemplates(),
                                               fixture)
            let name = SiteIdentity(user: fixture.user, site: "hello").containerName
            // The old container is moved aside, not removed, until the new one exists: its port binding keeps the
            // port from other tests' publishes meanwhile.
            let old = try #require(try await fixture.engine.inspectContainer(name))
            try await fixture.engine.renameContainer(old.id, to: name + "-swapped")
            let image = "\(fixture.user)/hello:unanswering"
            let labels = try #require(try await fixture.engine.inspectImage(image)).labels
            let spec = SiteContainerSpec.make(
                image: image, server: .nginx, memory: MemoryLimit(bytes: 64 << 20),
                host: DockerHost(name: "local", endpoint: .defaultLocal), hostPort: port, labels: labels,
                network: SiteNetwork.name)
            let id = try await fixture.engine.createContainer(name: name, config: spec)
            try await fixture.engine.removeContainer(old.id, force: true)

            let started = try fixture.cli().run(["start", "hello", "--user", fixture.user, "--check-timeout", "5"])
            #expect(started.status == 1, "\(started)")
            #expect(started.stderr.contains("\(fixture.user)/hello was started on local but does not serve at \(url)"),
                    "\(started)")
            #expect(started.stderr.contains("It is left running"), "\(started)")
            #expect(started.stderr.contains("\"GET / HTTP/1.1\" 503"), "its last log lines are shown: \(started)")
            #expect(try await fixture.engine.inspectContainer(id)?.state.running == true)
        }
    }

    /// A lock container as another machine's publish leaves it, expiring at `expires`.
    static func foreignLock(_ fixture: PublishFixture, expires: Date) async throws {
        _ = try await fixture.engine.createContainer(
            name: SiteIdentity(user: fixture.user, site: "hello").lockContainerName,
            config: ContainerCreate(image: fixture.nginxImage, labels: [
                "berth.lock.for": "\(fixture.user)/hello", "berth.lock.holder": "ci@elsewhere (pid 4242)",
                "berth.lock.machine": "elsewhere", "berth.lock.pid": "4242",
                "berth.lock.expires": "\(Int(expires.timeIntervalSince1970))",
            ], command: ["lock"]))
    }

    @Test("a lock held elsewhere: publish says it is waiting (waiting-for-lock), then exits 75; once expired it is broken")
    func lockWaitAndExpiry() async throws {
        try await PublishFixture.run { fixture in
            try await Self.foreignLock(fixture, expires: Date().addingTimeInterval(600))
            let busy = try fixture.cli().run(["publish", "sites/hello", "--user", fixture.user, "--lock-wait", "2",
                                              "--json"])
            #expect(busy.status == 75, "\(busy)")
            let waiting = busy.jsonLines.filter { $0["event"] as? String == "waiting-for-lock" }
            #expect(waiting.count == 1, "told once: \(busy)")
            #expect((waiting.first?["holder"] as? String)?.hasPrefix("ci@elsewhere (pid 4242), ") == true,
                    "\(busy)")
            #expect(try await fixture.containers().isEmpty, "nothing was started")

            try await fixture.engine.removeContainer(SiteIdentity(user: fixture.user, site: "hello").lockContainerName, force: true)
            try await Self.foreignLock(fixture, expires: Date().addingTimeInterval(-1))
            let afterExpiry = try fixture.cli().run(["publish", "sites/hello", "--user", fixture.user,
                                                     "--lock-wait", "2", "--json"])
            #expect(afterExpiry.status == 0, "an expired lock is broken at once: \(afterExpiry)")
            #expect(!afterExpiry.jsonLines.contains { $0["event"] as? String == "waiting-for-lock" }, "\(afterExpiry)")
            #expect(try await fixture.engine.inspectContainer(SiteIdentity(user: fixture.user, site: "hello").lockContainerName) == nil)
        }
    }

    @Test("logs -f: a second Ctrl-C while the first is still winding down exits at once with 130")
    func secondInterruptExits130() async throws {
        try await PublishFixture.run { fixture in
            let url = try #require(try fixture.publishSites(["chatty"])["chatty"])
            // More log than a pipe holds (64 KiB), so that berth blocks writing to a reader that never reads: the
            // first Ctrl-C cannot finish writing what berth holds.
            let marker = String(repeating: "x", count: 4000)
            for index in 0..<30 { try await PublishFixture.request(url, marker: "\(index)-\(marker)") }
            try await fixture.waitUntilLogged(site: "chatty", containing: "29-x")

            let unread = Pipe()
            let stderr = try TemporaryFile()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BerthCLI.executable)
            process.arguments = ["logs", "chatty", "--user", fixture.user, "-f"]
            process.environment = fixture.cli().environment
            process.standardOutput = unread
            process.standardError = stderr.handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            defer {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                try? unread.fileHandleForReading.close()
            }
            try await Task.sleep(for: .seconds(3))
            let early = try stderr.contents()
            #expect(process.isRunning, "berth is blocked writing: \(early)")
            kill(process.processIdentifier, SIGINT)
            try await Task.sleep(for: .seconds(1))
            #expect(process.isRunning, "the first Ctrl-C waits for the held lines to be written")
            kill(process.processIdentifier, SIGINT)
            let ended = try await BackgroundBerth.eventually(within: .seconds(10)) { !process.isRunning }
            try #require(ended, "the second Ctrl-C ended berth")
            #expect(process.terminationReason == .exit && process.terminationStatus == 130,
                    "exit \(process.terminationStatus) (\(process.terminationReason == .exit ? "exit" : "signal"))")
        }
    }

    @Test("logs --output FILE creates FILE with mode 0644 and appends to it")
    func outputFile() async throws {
        try await PublishFixture.run { fixture in
            let url = try #require(try fixture.publishSites(["written"])["written"])
            let marker = "output-\(UUID().uuidString.prefix(8))"
            try await PublishFixture.request(url, marker: marker)
            try await fixture.waitUntilLogged(site: "written", containing: marker)
            let directory = NSTemporaryDirectory() + "/berth-e2e-output-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let file = directory + "/site.log"
            var cli = fixture.cli()
            // The usual umask, whatever the test runner's.
            cli.launcher = ["sh", "-c", "umask 022 && exec \"$@\"", "sh"]
            let first = try cli.run(["logs", "written", "--user", fixture.user, "--output", file])
            #expect(first.status == 0, "\(first)")
            #expect(first.stdout.isEmpty, "the lines go to the file")
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect((attributes[.posixPermissions] as? Int) == 0o644)
            let once = try String(contentsOfFile: file, encoding: .utf8)
            #expect(once.contains(marker))
            let second = try cli.run(["logs", "written", "--user", fixture.user, "--output", file])
            #expect(second.status == 0, "\(second)")
            let twice = try String(contentsOfFile: file, encoding: .utf8)
            #expect(twice == once + once, "appended, not replaced")
        }
    }
}
