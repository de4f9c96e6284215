import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The deploy lock on the real engine: concurrent publishes, a busy lock, and a lock left by a killed process.
@Suite("Deploy lock", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct DeployLockTests {
    @Test("two publishes of one site at the same time end with exactly one container serving the content")
    func concurrentPublishes() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            try "<h1>Concurrent</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            let cli = fixture.cli()
            async let first = Task.detached { try cli.run(["publish", site, "--user", fixture.user, "--json"]) }.value
            async let second = Task.detached { try cli.run(["publish", site, "--user", fixture.user, "--json"]) }.value
            let outcomes = try await [first, second]
            for outcome in outcomes {
                #expect(outcome.status == 0, "\(outcome)")
            }
            let urls = Set(outcomes.compactMap { $0.result?["url"] as? String })
            #expect(urls.count == 1, "both report the same URL")
            #expect(outcomes.contains { $0.result?["upToDate"] as? Bool == true }, "the second found the work done")
            let containers = try await fixture.containers()
            #expect(containers.count == 1)
            #expect(containers.first?.state == "running")
            let url = try #require(urls.first)
            #expect(try await PublishFixture.get(url).body.contains("Concurrent"))
        }
    }

    @Test("a publish that cannot get the lock in time fails with exit status 75, naming the holder")
    func busyLock() async throws {
        try await PublishFixture.run { fixture in
            let outcome = try await Self.whileLocked(fixture, ["publish", "sites/hello", "--lock-wait", "1"])
            #expect(outcome.status == 75, "\(outcome)")
            #expect(outcome.stderr.contains("another publish, rollback, start, stop or rm of \(fixture.user)/hello is under way"))
            #expect(outcome.stderr.contains("pid \(getpid())"), "the holder is named: \(outcome)")
            #expect(try await fixture.containers().isEmpty, "nothing was started")
        }
    }

    @Test("rm waits for a publish under way: with the lock held it fails with exit status 75 and removes nothing")
    func removeWaitsForTheLock() async throws {
        try await PublishFixture.run { fixture in
            let published = try fixture.cli().run(["publish", "sites/hello", "--user", fixture.user])
            #expect(published.status == 0, "\(published)")
            let outcome = try await Self.whileLocked(fixture, ["rm", "hello", "--images", "--lock-wait", "1"])
            #expect(outcome.status == 75, "\(outcome)")
            #expect(try await fixture.containers().count == 1, "the site's container is still there")
            let removed = try fixture.cli().run(["rm", "hello", "--user", fixture.user, "--images"])
            #expect(removed.status == 0, "once the lock is free, rm goes ahead: \(removed)")
            #expect(try await fixture.containers().isEmpty)
        }
    }

    @Test("stop and start wait for the lock too: held, each gives up after --lock-wait with exit status 75, the site untouched")
    func stopAndStartWaitForTheLock() async throws {
        try await PublishFixture.run { fixture in
            let published = try fixture.cli().run(["publish", "sites/hello", "--user", fixture.user])
            #expect(published.status == 0, "\(published)")
            let stopped = try await Self.whileLocked(fixture, ["stop", "hello", "--lock-wait", "1"])
            #expect(stopped.status == 75, "\(stopped)")
            #expect(stopped.stderr.contains("waited 1 s"), "\(stopped)")
            #expect(try await fixture.containers().first?.state == "running", "stop did nothing")
            #expect(try fixture.cli().run(["stop", "hello", "--user", fixture.user]).status == 0)
            let started = try await Self.whileLocked(fixture, ["start", "hello", "--lock-wait", "1"])
            #expect(started.status == 75, "\(started)")
            #expect(try await fixture.containers().first?.state == "exited", "start did nothing")
        }
    }

    /// Runs berth with `arguments` (as the fixture's user) while this test holds the site's lock.
    static func whileLocked(_ fixture: PublishFixture, _ arguments: [String]) async throws -> BerthCLI.Outcome {
        let lock = DeployLock(engine: fixture.engine, identity: SiteIdentity(user: fixture.user, site: "hello"))
        let cli = fixture.cli()
        return try await lock.withLock(wait: .seconds(5)) {
            try cli.run(arguments + ["--user", fixture.user])
        }
    }

    @Test("a lock left by a killed publish does not block the next one")
    func lockOfKilledProcess() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            // The first publish builds FROM an image on a registry that accepts connections and never answers, so
            // it stays in its build, under its lock, until it is killed: no race with a publish that ends first.
            let (silentRegistry, port) = try EngineFixture.silentListener()
            defer { close(silentRegistry) }
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("berth-killed-\(fixture.user).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: log) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BerthCLI.executable)
            // --verbose: the build's own output ("FROM …/silent/nginx") says it is building.
            process.arguments = ["publish", site, "--user", fixture.user, "--verbose",
                                 "--base-image", "127.0.0.1:\(port)/silent/nginx:1"]
            process.environment = fixture.cli().environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            let lockName = SiteIdentity(user: fixture.user, site: "hello").lockContainerName
            var building = false
            // A generous deadline: on a loaded machine, starting berth and reaching the build can take a while.
            let deadline = ContinuousClock.now + .seconds(120)
            while !building, process.isRunning, ContinuousClock.now < deadline {
                let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if output.contains("silent/nginx") {
                    building = try await fixture.engine.inspectContainer(lockName) != nil
                }
                if !building { try await Task.sleep(for: .milliseconds(25)) }
            }
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(building, "the first publish took the lock and started building: \(output)")
            kill(process.processIdentifier, SIGKILL)
            try #require(process.waitUntilExit(within: 30), "berth ended on SIGKILL")
            #expect(try await fixture.engine.inspectContainer(lockName) != nil, "the killed process left its lock")

            let outcome = try fixture.cli().run(["publish", site, "--user", fixture.user, "--lock-wait", "5", "--json"])
            #expect(outcome.status == 0, "\(outcome)")
            #expect(try await fixture.engine.inspectContainer(lockName) == nil, "the lock is released after publishing")
        }
    }
}
