import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Promises of README "publish" that no other test checked: each test fails when berth stops keeping one.
@Suite("Publish: the README's promises", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct PublishPromisesTests {
    @Test("up to date means the same content and the same limits: another --memory replaces the container")
    func upToDateNeedsTheSameLimits() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let first = try OperateTests.publish(fixture, site, ["--memory", "64m"])
            let second = try OperateTests.publish(fixture, site, ["--memory", "96m"])
            #expect(second["upToDate"] as? Bool == false, "\(second)")
            #expect(second["memoryLimit"] as? Int == 96 << 20)
            #expect(second["containerID"] as? String != first["containerID"] as? String)
            let container = try #require(try await fixture.engine.inspectContainer(SiteIdentity(user: fixture.user, site: "hello").containerName))
            #expect(container.hostConfig.memory == 96 << 20)
            let third = try OperateTests.publish(fixture, site, ["--memory", "96m"])
            #expect(third["upToDate"] as? Bool == true, "the same limits again: nothing to do")
        }
    }

    /// The manifest a registry tag names, as the registry serves it.
    static func manifest(_ fixture: PublishFixture, _ repository: String, _ tag: String) async throws -> String {
        let token = Data("\(fixture.registryUser):\(fixture.registryPassword)".utf8).base64EncodedString()
        let (status, body) = try await PublishFixture.get(
            "http://\(fixture.registry)/v2/\(repository)/manifests/\(tag)",
            headers: [("Authorization", "Basic \(token)"),
                      ("Accept", "application/vnd.docker.distribution.manifest.v2+json, "
                          + "application/vnd.oci.image.manifest.v1+json")])
        try #require(status == 200, "the registry has \(repository):\(tag): \(status) \(body)")
        return body
    }

    @Test(":latest in the registry still names the serving version after a publish whose new version failed")
    func latestMovesOnlyOnceServing() async throws {
        try await PublishFixture.run { fixture in
            let site = try OperateTests.site(fixture, saying: "Serving")
            let serving = try OperateTests.publish(fixture, site, ["--registry", fixture.registry, "--tag", "serving"])
            #expect(serving["upToDate"] as? Bool == false)
            let repository = "\(fixture.user)/hello"
            let servingManifest = try await Self.manifest(fixture, repository, "serving")
            #expect(try await Self.manifest(fixture, repository, "latest") == servingManifest)

            try OperateTests.write("Broken", to: site)
            let failed = try fixture.cli(["BERTH_TEMPLATES": try fixture.brokenTemplates()]).run([
                "publish", site, "--user", fixture.user, "--registry", fixture.registry, "--tag", "broken",
                "--check-timeout", "10",
            ])
            #expect(failed.status == 1, "\(failed)")
            let tags = try await fixture.registryTags(repository)
            #expect(tags.contains("broken"), "the new version was pushed before its check: \(tags)")
            #expect(try await Self.manifest(fixture, repository, "latest") == servingManifest,
                    "latest did not move to the version that never served")
            #expect(try await Self.manifest(fixture, repository, "broken") != servingManifest)
        }
    }

    @Test("an engine reached over plain TCP on a non-loopback address works, with a warning naming it")
    func plainTCPWarning() async throws {
        try await PublishFixture.run { fixture in
            let relay = try PlainTCPRelay()
            defer { relay.stop() }
            let inventory = NSTemporaryDirectory() + "/berth-e2e-hosts-\(UUID().uuidString).yml"
            try "hosts:\n  plain:\n    docker: tcp://\(relay.address):\(relay.port)\n    address: 127.0.0.1\n"
                .write(toFile: inventory, atomically: true, encoding: .utf8)
            let outcome = try fixture.cli().run(["publish", "sites/hello", "--hosts", inventory, "--user", fixture.user])
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.stderr.contains("berth: warning: plain's engine is reached over plain TCP "
                + "(tcp://\(relay.address):\(relay.port)): anyone who can reach that port controls its Docker"),
                    "\(outcome)")
            let url = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(await OperateTests.serves(url)?.contains("Hello from berth") == true)

            // The loopback engine is the same daemon, with no warning.
            let local = try fixture.cli().run(["publish", "sites/hello", "--user", fixture.user, "--name", "quiet"])
            #expect(local.status == 0, "\(local)")
            #expect(!local.stderr.contains("warning"), "\(local)")
        }
    }

    @Test("--log-file logs every Engine API request at debug level, --verbose shows info; credentials never appear")
    func logging() async throws {
        try await PublishFixture.run { fixture in
            let log = NSTemporaryDirectory() + "/berth-e2e-\(fixture.user).log"
            try "an earlier line\n".write(toFile: log, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: log) }
            let outcome = try fixture.cli().run([
                "publish", "sites/hello", "--user", fixture.user, "--registry", fixture.registry, "--tag", "logged",
                "--verbose", "--log-file", log,
            ])
            #expect(outcome.status == 0, "\(outcome)")
            let text = try String(contentsOfFile: log, encoding: .utf8)
            #expect(text.hasPrefix("an earlier line\n"), "the log is appended to")
            let requests = text.split(separator: "\n").filter { $0.contains("docker request") }
            func logged(_ method: String, _ path: String) -> Bool {
                requests.contains { $0.contains("method=\(method)") && $0.contains("path=\(path)") }
            }
            let name = SiteIdentity(user: fixture.user, site: "hello").containerName
            for (method, path) in [
                ("GET", "/_ping"), ("POST", "/auth"), ("POST", "/build"), ("POST", "/containers/create"),
                ("GET", "/containers/\(name)/json"), ("POST", "/images/\(fixture.registry)/\(fixture.user)/hello/push"),
                ("POST", "/images/\(fixture.registry)/\(fixture.user)/hello:logged/tag"),
            ] {
                #expect(logged(method, path), "\(method) \(path) is logged: \(requests.joined(separator: "\n"))")
            }
            #expect(requests.contains { $0.contains("path=/containers/") && $0.hasSuffix("/start") },
                    "the start is logged: \(requests.joined(separator: "\n"))")
            for output in [text, outcome.stderr, outcome.stdout] {
                #expect(!output.contains(fixture.registryPassword), "the registry password never appears")
                #expect(!Self.base64Tokens(in: output).contains { $0.contains(fixture.registryPassword) },
                        "nor inside an encoded header")
            }
            #expect(outcome.stderr.split(separator: "\n").contains { $0.contains(" info ") },
                    "--verbose shows info-level lines: \(outcome)")

            let quiet = try fixture.cli().run(["publish", "sites/hello", "--user", fixture.user, "--tag", "logged"])
            #expect(quiet.status == 0, "\(quiet)")
            #expect(!quiet.stderr.contains(" info "), "without --verbose, warnings only: \(quiet)")
        }
    }

    /// What every long base64 or base64url word of `text` decodes to (an `X-Registry-Auth` header is one).
    static func base64Tokens(in text: String) -> [String] {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")
        return text.split { !alphabet.contains($0) }.filter { $0.count >= 24 }.compactMap { word in
            var standard = word.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            standard = standard.trimmingCharacters(in: CharacterSet(charactersIn: "="))
            standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
            return Data(base64Encoded: standard).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Usage errors of publish that exit 64 today (values parsed inside the command still exit 1: see the report
    /// of issue 14). None of them reaches the engine.
    @Test("a wrong publish command line exits 64", arguments: [
        ["publish", "sites/hello", "--bogus"],
        ["publish"],
        ["publish", "sites/hello", "--jobs", "many"],
        ["publish", "sites/hello", "--jobs", "0"],
        ["publish", "sites/hello", "sites/hello", "--name", "one"],
        ["publish", "sites/hello", "--tag", "not a tag"],
        ["publish", "sites/hello", "--keep", "0"],
        ["publish", "sites/hello", "--server", "apache"],
        ["publish", "sites/hello", "--check-timeout", "soon"],
        ["publish", "sites/hello", "--lock-wait", "-1"],
    ])
    func usageErrors(_ arguments: [String]) throws {
        let outcome = try BerthCLI(removing: ["DOCKER_HOST", "BERTH_HOSTS"]).run(arguments)
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.stderr.contains("Error:") || outcome.stderr.contains("error:"), "\(outcome)")
    }
}

/// A plain-TCP Docker endpoint on a non-loopback address: the test bridge's root-namespace address (scripts/test-hosts
/// puts the TLS registry there), relayed byte for byte to the local engine's socket.
final class PlainTCPRelay {
    let address: String
    let port: Int
    private let process = Process()
    private let output: TemporaryFile

    static let script = #"""
    import socket, sys, threading
    server = socket.socket()
    server.bind((sys.argv[1], 0))
    server.listen(32)
    print(server.getsockname()[1], flush=True)
    def pipe(source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass
    while True:
        client, _ = server.accept()
        engine = socket.socket(socket.AF_UNIX)
        engine.connect("/var/run/docker.sock")
        threading.Thread(target=pipe, args=(client, engine), daemon=True).start()
        threading.Thread(target=pipe, args=(engine, client), daemon=True).start()
    """#

    init() throws {
        let web1 = try PublishFixture.required("BERTH_TEST_WEB1_ADDR", setBy: "scripts/test-hosts",
                                               file: "/var/lib/berth-test/hosts/env.sh")
        address = web1.split(separator: ".").dropLast().joined(separator: ".") + ".1"
        output = try TemporaryFile()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, address]
        process.standardOutput = output.handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        var port: Int?
        while port == nil, process.isRunning, Date() < deadline {
            port = try output.contents().split(separator: "\n").first.flatMap { Int($0) }
            if port == nil { usleep(20_000) }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw FixtureError("the relay did not listen on \(address): \(try output.contents())")
        }
        self.port = port
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
