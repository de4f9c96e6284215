import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Many hosts: the two TLS engines web1 and web2 in network namespaces (scripts/test-hosts) and the TLS registry
/// every engine reaches by one name.
@Suite("Many hosts", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct MultiHostTests {
    struct Topology {
        let hostsFile: String
        let web1: String
        let web2: String
        let certificates: String
        let registry: String
        let mismatchAddress: String
        let script: String

        init() throws {
            let required = { (name: String) throws -> String in
                try PublishFixture.required(name, setBy: "scripts/test-hosts", file: "/var/lib/berth-test/hosts/env.sh")
            }
            hostsFile = try required("BERTH_TEST_HOSTS_FILE")
            web1 = try required("BERTH_TEST_WEB1_ADDR")
            web2 = try required("BERTH_TEST_WEB2_ADDR")
            certificates = try required("BERTH_TEST_CERTS")
            registry = try required("BERTH_TEST_TLS_REGISTRY")
            mismatchAddress = try required("BERTH_TEST_MISMATCH_ADDR")
            script = try required("BERTH_TEST_HOSTS_SCRIPT")
        }

        func engine(_ address: String, certificates directory: String = "client") -> DockerEngine {
            DockerEngine(endpoint: .tls(host: address, port: 2376,
                                        certificates: .init(directory: certificates + "/" + directory)))
        }

        /// The memory limits of the berth sites already on an engine (other tests' or earlier runs').
        func committedMiB(_ address: String) async throws -> Int64 {
            let engine = engine(address)
            var total: Int64 = 0
            for container in try await engine.listContainers(all: true, labelFilters: [BerthLabel.site]) {
                total += try await engine.inspectContainer(container.id)?.hostConfig.memory ?? 0
            }
            return total >> 20
        }

        /// An inventory of web1 and web2 only in a scratch file. `web1Free`/`web2Free` (MiB) set each host's
        /// capacity to what its sites already hold plus that much, so placement starts from known free memory.
        func inventory(web1Free: Int64? = nil, web2Free: Int64? = nil, certificates directory: String = "client",
                       web1Address: String? = nil) async throws -> String {
            var web1Memory: String?
            var web2Memory: String?
            if let web1Free { web1Memory = "\(try await committedMiB(web1) + web1Free)m" }
            if let web2Free { web2Memory = "\(try await committedMiB(web2) + web2Free)m" }
            func host(_ name: String, _ address: String, _ memory: String?) -> String {
                var text = "  \(name):\n    docker: tcp://\(address):2376\n    tls: \(certificates)/\(directory)\n"
                text += "    address: \(address)\n"
                if let memory { text += "    memory: \(memory)\n" }
                return text
            }
            let text = "registry: \(registry)\nhosts:\n" + host("web1", web1Address ?? web1, web1Memory)
                + host("web2", web2, web2Memory)
            let path = NSTemporaryDirectory() + "/berth-e2e-hosts-\(UUID().uuidString).yml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// Runs scripts/test-hosts. Through system(3): Foundation's Process did not see it exit once it had
        /// started a daemon in the background.
        func run(_ arguments: [String]) throws {
            let command = ([script] + arguments).map { "'\($0)'" }.joined(separator: " ") + " >/dev/null 2>&1"
            let status = system(command)
            guard status == 0 else {
                throw PublishFixture.MissingEnvironment(description: "\(command) failed with status \(status)")
            }
        }
    }

    /// Runs a test body with the topology and a fresh user, and removes that user's containers on every engine.
    func withTopology(_ body: (Topology, PublishFixture) async throws -> Void) async throws {
        let topology = try Topology()
        try await PublishFixture.run { fixture in
            do {
                try await body(topology, fixture)
            } catch {
                await cleanUp(topology, fixture)
                throw error
            }
            await cleanUp(topology, fixture)
        }
    }

    func cleanUp(_ topology: Topology, _ fixture: PublishFixture) async {
        for address in [topology.web1, topology.web2] {
            let engine = topology.engine(address)
            for container in (try? await engine.listContainers(all: true)) ?? []
            where container.name?.contains(fixture.user) == true {
                try? await engine.removeContainer(container.id, force: true)
            }
            for image in (try? await engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])) ?? [] {
                try? await engine.removeImage(image.id, force: true)
            }
        }
    }

    func cli(_ fixture: PublishFixture, _ extra: [String: String] = [:]) -> BerthCLI {
        fixture.cli(extra)
    }

    @Test("hosts lists web1 and web2; a site published to web2 answers on web2's address")
    func publishToWeb2() async throws {
        try await withTopology { topology, fixture in
            let hosts = try cli(fixture).run(["hosts", "--hosts", topology.hostsFile, "--json"])
            #expect(hosts.status == 0, "\(hosts)")
            let names = hosts.jsonLines.filter { $0["reachable"] as? Bool == true }.compactMap { $0["name"] as? String }
            #expect(Set(names).isSuperset(of: ["web1", "web2"]))

            let outcome = try cli(fixture).run([
                "publish", "sites/hello", "--hosts", topology.hostsFile, "--host", "web2", "--user", fixture.user,
                "--json",
            ])
            #expect(outcome.status == 0, "\(outcome)")
            let url = try #require(outcome.result?["url"] as? String)
            #expect(url.hasPrefix("http://\(topology.web2):"))
            let page = try await PublishFixture.get(url)
            #expect(page.status == 200 && page.body.contains("Hello from berth"))
            let container = try await topology.engine(topology.web2).inspectContainer(
                SiteIdentity(user: fixture.user, site: "hello").containerName)
            #expect(container?.state.running == true, "the container runs on web2")
            #expect(try await fixture.engine.inspectContainer(
                SiteIdentity(user: fixture.user, site: "hello").containerName) == nil, "not locally")
        }
    }

    @Test("--build-host web1 builds there, pushes, and web2 pulls and runs the image")
    func buildElsewhere() async throws {
        try await withTopology { topology, fixture in
            let outcome = try cli(fixture).run([
                "publish", "sites/hello", "--hosts", topology.hostsFile, "--host", "web2", "--build-host", "web1",
                "--user", fixture.user, "--json",
            ])
            #expect(outcome.status == 0, "\(outcome)")
            let result = try #require(outcome.result)
            let image = try #require(result["image"] as? String)
            #expect(image.hasPrefix(topology.registry + "/"))
            #expect(outcome.jsonLines.contains { $0["stage"] as? String == "pull" && $0["state"] as? String == "finished" })
            let build = outcome.jsonLines.first { $0["stage"] as? String == "build" && $0["state"] as? String == "started" }
            #expect((build?["detail"] as? String)?.hasSuffix("on web1") == true, "built on web1: \(outcome)")
            // web1 does not run the site, so --keep and rm --images never look there: it keeps none of its images.
            let leftOnWeb1 = try await topology.engine(topology.web1).listImages(
                labelFilters: ["\(BerthLabel.user)=\(fixture.user)"])
            #expect(leftOnWeb1.isEmpty, "\(leftOnWeb1.map(\.repoTags))")
            let onWeb2 = try await topology.engine(topology.web2).inspectContainer(
                SiteIdentity(user: fixture.user, site: "hello").containerName)
            #expect(onWeb2?.config.image == image)
            let url = try #require(result["url"] as? String)
            #expect(try await PublishFixture.get(url).status == 200)
        }
    }

    @Test("--host auto fills the hosts by free memory, and says which came closest when nothing fits")
    func automaticPlacement() async throws {
        try await withTopology { topology, fixture in
            let inventory = try await topology.inventory(web1Free: 300, web2Free: 200)
            var placed: [String] = []
            for index in 1...4 {
                let site = try fixture.copyOfSite("site\(index)")
                let outcome = try cli(fixture).run([
                    "publish", site, "--hosts", inventory, "--host", "auto", "--memory", "96m",
                    "--user", fixture.user, "--json",
                ])
                #expect(outcome.status == 0, "\(outcome)")
                placed.append(outcome.result?["host"] as? String ?? "?")
            }
            // Free MiB on web1/web2: 300/200 → 204/200 → 108/200 → 108/104 → 12/104.
            #expect(placed == ["web1", "web1", "web2", "web1"])
            let site = try fixture.copyOfSite("too-big")
            let refused = try cli(fixture).run([
                "publish", site, "--hosts", inventory, "--host", "auto", "--memory", "128m", "--user", fixture.user,
            ])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("no host has 128 MiB free"), "\(refused)")
            #expect(refused.stderr.contains("the closest is web2 with 104 MiB free"), "\(refused)")
            // A site that already runs stays on its host.
            let again = try cli(fixture).run([
                "publish", try fixture.copyOfSite("site1"), "--hosts", inventory, "--host", "auto", "--memory", "96m",
                "--user", fixture.user, "--json",
            ])
            #expect(again.result?["host"] as? String == "web1", "\(again)")
        }
    }

    /// Each fault really happens (tests/test-hosts makes the fixtures), and each is told by its own cause: every TLS
    /// message ends with the same advice naming the certificate files, so a word like "certificate" tells nothing.
    @Test("TLS faults are clear errors naming the host and the cause", arguments: [
        "wrong-client", "no-client", "wrong-ca", "mismatch",
    ])
    func tlsFaults(_ fault: String) async throws {
        try await withTopology { topology, fixture in
            let inventory = fault == "mismatch"
                ? try await topology.inventory(web1Address: topology.mismatchAddress)
                : try await topology.inventory(certificates: fault)
            let address = fault == "mismatch" ? topology.mismatchAddress : topology.web1
            let cause = switch fault {
            case "wrong-client":
                "the daemon rejected berth's client certificate (not signed by the CA the daemon trusts, or expired)"
            case "no-client":
                "the client certificate \(topology.certificates)/no-client/cert.pem does not exist or cannot be read"
            case "wrong-ca": "the daemon's certificate is not signed by the CA in ca.pem, or has expired"
            default: "the daemon's certificate is not issued for the host name '\(address)'"
            }
            let outcome = try cli(fixture).run([
                "publish", "sites/hello", "--hosts", inventory, "--host", "web1", "--user", fixture.user,
            ])
            #expect(outcome.status == 1, "\(outcome)")
            // Well under the 60 s request timeout a failed handshake must not wait out; a loaded CI machine can take
            // seconds to start berth and pack the site.
            #expect(outcome.seconds < 30)
            #expect(outcome.stderr.contains("TLS with the Docker daemon at tcp://\(address):2376 (TLS) failed: \(cause)."),
                    "\(outcome)")
            #expect(try await fixture.containers().isEmpty)
        }
    }

    @Test("DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH choose the default host")
    func dockerEnvironment() async throws {
        try await withTopology { topology, fixture in
            let environment = [
                "DOCKER_HOST": "tcp://\(topology.web2):2376", "DOCKER_TLS_VERIFY": "1",
                "DOCKER_CERT_PATH": topology.certificates + "/client",
            ]
            var cli = fixture.cli(environment)
            cli.environment.removeValue(forKey: "BERTH_HOSTS")
            let hosts = try cli.run(["hosts", "--json"])
            #expect(hosts.status == 0, "\(hosts)")
            #expect(hosts.jsonLines.first?["endpoint"] as? String == "tcp://\(topology.web2):2376", "\(hosts)")
            #expect(hosts.jsonLines.first?["tls"] as? Bool == true, "\(hosts)")
            let outcome = try cli.run(["publish", "sites/hello", "--user", fixture.user, "--json"])
            #expect(outcome.status == 0, "\(outcome)")
            #expect((outcome.result?["url"] as? String)?.hasPrefix("http://\(topology.web2):") == true, "\(outcome)")
        }
    }

    @Test("several sites with --jobs: a host that dies mid-publish fails its site; the others finish cleanly")
    func deadHost() async throws {
        try await withTopology { topology, fixture in
            defer { try? topology.run(["up"]) }
            // 200 MiB free on each and 96 MiB sites: placement alternates web1, web2, web1, web2.
            let inventory = try await topology.inventory(web1Free: 200, web2Free: 200)
            // Large, distinct content keeps every build busy for seconds, so web2 dies in the middle of its builds.
            let sites = try (1...4).map { index in
                let site = try fixture.copyOfSite("dead\(index)")
                var generator = SystemRandomNumberGenerator()
                let bytes = (0..<(48 << 20) / 8).map { _ in generator.next() as UInt64 }
                try bytes.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: site + "/video.bin")) }
                return site
            }
            let output = try TemporaryFile()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BerthCLI.executable)
            process.arguments = ["publish"] + sites + [
                "--hosts", inventory, "--host", "auto", "--jobs", "4", "--memory", "96m", "--user", fixture.user,
                "--json",
            ]
            process.environment = fixture.cli().environment
            process.currentDirectoryURL = BerthCLI.repositoryRoot
            process.standardOutput = output.handle
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Packing 4 × 48 MiB and taking the locks can take a loaded machine a while before the first build.
            _ = try await BackgroundBerth.eventually(within: .seconds(120)) {
                try output.contents().contains("\"stage\":\"build\"") || !process.isRunning
            }
            #expect(try output.contents().contains("\"stage\":\"build\""))
            // Whether the run was still going is asked just before the kill: the kill itself takes seconds (it waits
            // for dockerd and its containerd to be gone), and web1's sites may finish meanwhile.
            let runningWhenKilled = process.isRunning
            try topology.run(["kill", "web2"])
            try #require(process.waitUntilExit(within: 300), "the run ended after web2 died")
            let lateLines = try output.contents().split(separator: "\n").suffix(6).joined(separator: "\n")
            #expect(runningWhenKilled, "the run was still going when web2 died: \(lateLines)")
            #expect(process.terminationStatus == 1, "a failed site makes the run fail")

            let lines = try output.contents().split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            let summary = try #require(lines.last { $0["event"] as? String == "summary" })
            let records = try #require(summary["sites"] as? [[String: Any]])
            #expect(records.count == 4)
            let failed = records.filter { $0["ok"] as? Bool == false }
            let succeeded = records.filter { $0["ok"] as? Bool == true }
            #expect(!failed.isEmpty, "the sites placed on web2 fail: \(records)")
            #expect(!succeeded.isEmpty, "the sites placed on web1 finish")
            for record in failed {
                #expect((record["error"] as? String)?.contains(topology.web2) == true, "the error names web2: \(record)")
            }
            for record in succeeded {
                #expect(record["host"] as? String == "web1")
                let url = try #require(record["url"] as? String)
                #expect(try await PublishFixture.get(url).status == 200)
            }
            // Nothing half-created on the host that stayed up: only the finished sites' containers.
            let onWeb1 = try await topology.engine(topology.web1).listContainers(all: true)
                .compactMap(\.name).filter { $0.contains(fixture.user) }
            #expect(onWeb1.count == succeeded.count, "\(onWeb1)")
            #expect(!onWeb1.contains { $0.hasSuffix("--next") || $0.hasPrefix("berth-lock--") })
        }
    }

    @Test("a site is found on the one host that has it when --host is not given; several hosts is an error",
          .timeLimit(.minutes(6)))
    func siteFoundAcrossHosts() async throws {
        try await withTopology { topology, fixture in
            let published = try cli(fixture).run([
                "publish", "sites/hello", "--hosts", topology.hostsFile, "--host", "web2", "--user", fixture.user,
            ])
            #expect(published.status == 0, "\(published)")

            let stop = try cli(fixture).run(["stop", "hello", "--hosts", topology.hostsFile, "--user", fixture.user,
                                             "--json"])
            #expect(stop.status == 0, "\(stop)")
            #expect(stop.jsonLines.first?["host"] as? String == "web2", "\(stop)")
            let versions = try cli(fixture).run(["versions", "hello", "--hosts", topology.hostsFile,
                                                 "--user", fixture.user, "--json"])
            #expect(versions.jsonLines.first?["host"] as? String == "web2", "\(versions)")
            let logs = try cli(fixture).run(["logs", "hello", "--hosts", topology.hostsFile, "--user", fixture.user])
            #expect(logs.status == 0, "\(logs)")

            let again = try cli(fixture).run([
                "publish", "sites/hello", "--hosts", topology.hostsFile, "--host", "web1", "--user", fixture.user,
            ])
            #expect(again.status == 0, "\(again)")
            let ambiguous = try cli(fixture).run(["start", "hello", "--hosts", topology.hostsFile,
                                                  "--user", fixture.user])
            #expect(ambiguous.status != 0, "\(ambiguous)")
            #expect(ambiguous.stderr.contains("is on several hosts (web1, web2); name one with --host"),
                    "\(ambiguous)")
            let missing = try cli(fixture).run(["stop", "nosuch", "--hosts", topology.hostsFile,
                                                "--user", fixture.user])
            #expect(missing.status != 0)
            #expect(missing.stderr.contains("no site \(fixture.user)/nosuch on any host of the inventory"),
                    "\(missing)")
        }
    }
}
