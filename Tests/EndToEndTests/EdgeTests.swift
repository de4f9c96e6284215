import BerthCore
import Foundation
import Testing

/// The edge (issue 10) end to end on the real engines: sites served by name over HTTPS through `berth-edge`,
/// switches with no failed request, routes that follow stop/start/rm and survive the edge's removal. One
/// serialized suite, since an engine has one edge.
@Suite("The edge: sites by name over HTTPS, zero-downtime switches", .serialized, .blockingCalls)
struct EdgeTests {
    static func site(_ fixture: PublishFixture, saying text: String) throws -> String {
        let site = try fixture.copyOfSite()
        try OperateTests.write(text, to: site)
        return site
    }

    static func publish(_ edge: EdgeFixture, _ site: String, _ extra: [String] = []) throws -> BerthCLI.Outcome {
        try edge.berth(["publish", site, "--user", edge.fixture.user] + extra, timeout: 180)
    }

    @Test("a site answers over HTTPS at its default and custom names, verified against the edge's CA; HTTP redirects",
          .timeLimit(.minutes(6)))
    func servesByName() async throws {
        try await PublishFixture.run { fixture in
            let edge = try EdgeFixture(fixture)
            try edge.up()
            let custom = "www.\(fixture.user).example.test"
            let published = try Self.publish(edge, try Self.site(fixture, saying: "Served by name"),
                                              ["--domain", custom.uppercased()])
            #expect(published.status == 0, "\(published)")
            let defaultName = edge.defaultName("hello")
            #expect(published.stdout.contains("https://\(defaultName):\(EdgeFixture.httpsPort)/"), "\(published)")
            let ca = try edge.caFile()
            for name in [defaultName, custom] {
                let answer = try edge.curl(name, ca: ca)
                #expect(answer.code == 200 && answer.body.contains("Served by name"), "\(name): \(answer)")
            }
            let redirect = try edge.curl(custom, path: "/about?x=1", https: false, ca: ca)
            #expect(redirect.code == 308, "\(redirect)")
            #expect(redirect.location == "https://\(custom):\(EdgeFixture.httpsPort)/about?x=1", "\(redirect)")

            // The site's log has the client address the edge saw (here loopback), not the address the edge's
            // connections come from, nor one a client claims.
            let marker = "/logged-\(UUID().uuidString.prefix(8))"
            _ = try edge.curl(custom, path: marker, ca: ca, headers: ["X-Forwarded-For: 203.0.113.9"])
            var logged: [String] = []
            for try await line in fixture.engine.containerLogs(SiteIdentity(user: fixture.user, site: "hello").containerName,
                                                               tail: 50) where line.text.contains(marker) {
                logged.append(line.text)
            }
            #expect(logged.count == 1 && logged.first?.hasPrefix("127.0.0.1 ") == true, "\(logged)")

            // Nothing reaches the site but through the edge: its port is on loopback only.
            let container = try #require(try await fixture.engine.inspectContainer(
                SiteIdentity(user: fixture.user, site: "hello").containerName))
            let bindings = container.publishedBindings(of: "8080/tcp")
            #expect(bindings.count == 1 && bindings.first?.hostIP == "127.0.0.1", "\(bindings)")
            let sites = try edge.berth(["sites", "--user", fixture.user, "--json"])
            #expect(sites.stdout.contains("\"url\":\"https://\(defaultName):\(EdgeFixture.httpsPort)/\""),
                    "\(sites)")
            #expect(sites.stdout.contains("\"domains\":[\"\(defaultName)\",\"\(custom)\"]"), "\(sites)")
            let hosts = try edge.berth(["hosts"])
            #expect(hosts.stdout.contains("running \(EdgeFixture.domain) internal"), "berth hosts shows the edge: \(hosts)")
        }
    }

    @Test("the edge's container is hardened as far as Caddy allows, read back from the engine",
          .timeLimit(.minutes(5)))
    func edgeHardened() async throws {
        try await PublishFixture.run { fixture in
            let edge = try EdgeFixture(fixture)
            try edge.up()
            let container = try #require(try await fixture.engine.inspectContainer("berth-edge"))
            let host = container.hostConfig
            #expect(container.state.running)
            #expect(host.capDrop == ["ALL"] && host.capAdd == ["NET_BIND_SERVICE"], "\(host)")
            #expect(host.securityOpt == ["no-new-privileges"])
            #expect(host.readonlyRootfs == true)
            #expect(host.networkMode == "host", "host network: the edge reaches the sites' loopback ports")
            #expect(host.memory == EdgeContainerSpec.memoryLimit && host.pidsLimit == EdgeContainerSpec.pidsLimit)
            #expect(host.restartPolicy?.name == "unless-stopped")
            #expect(host.privileged != true && (host.binds ?? []).isEmpty)
            // The process itself: only CAP_NET_BIND_SERVICE (bit 10) effective, and no TCP admin port.
            let status = try await fixture.engine.exec("berth-edge", command: ["cat", "/proc/1/status"])
            #expect(status.output.contains("CapEff:\t0000000000000400"), "\(status.output)")
            #expect(status.output.contains("NoNewPrivs:\t1"), "\(status.output)")
            let tcp = try await fixture.engine.exec("berth-edge", command: ["cat", "/proc/net/tcp", "/proc/net/tcp6"])
            #expect(!tcp.output.uppercased().contains(":07E3 "), "nothing listens on 2019 (Caddy's default admin)")
        }
    }

    @Test("a name another site serves is refused, naming that site", .timeLimit(.minutes(6)))
    func hostnameConflict() async throws {
        try await PublishFixture.run { fixture in
            let edge = try EdgeFixture(fixture)
            try edge.up()
            let name = "shared.\(fixture.user).example.test"
            let first = try Self.publish(edge, try Self.site(fixture, saying: "First"), ["--name", "first", "--domain", name])
            #expect(first.status == 0, "\(first)")
            let second = try Self.publish(edge, try Self.site(fixture, saying: "Second"),
                                          ["--name", "second", "--domain", name])
            #expect(second.status == 1, "\(second)")
            #expect(second.stderr.contains("\(name) is already served by the site \(fixture.user)/first"), "\(second)")
            let ca = try edge.caFile()
            #expect(try edge.curl(name, ca: ca).body.contains("First"))
        }
    }

    @Test("republish and rollback under load: no failed request, every body a published version, whole",
          .timeLimit(.minutes(5)))
    func switchesUnderLoad() async throws {
        try await PublishFixture.run { fixture in
            let edge = try EdgeFixture(fixture)
            try edge.up()
            let site = try Self.site(fixture, saying: "Version one")
            let one = try Self.publish(edge, site, ["--tag", "one"])
            #expect(one.status == 0, "\(one)")
            let ca = try edge.caFile()
            let name = edge.defaultName("hello")
            let load = EdgeFixture.Load(edge, name: name, ca: ca)
            try OperateTests.write("Version two", to: site)
            let two = try Self.publish(edge, site, ["--tag", "two"])
            #expect(two.status == 0, "\(two)")
            let back = try edge.berth(["rollback", "hello", "--user", fixture.user, "--to", "one"])
            #expect(back.status == 0, "\(back)")
            try await Task.sleep(for: .seconds(1))
            let answers = await load.stop()
            let failed = answers.filter { $0.code != 200 }
            #expect(answers.count > 50, "load ran: \(answers.count) requests")
            #expect(failed.isEmpty, "\(failed.count) failed of \(answers.count): \(failed.prefix(5))")
            let versions = Set(["<h1>Version one</h1>", "<h1>Version two</h1>"])
            let odd = answers.filter { $0.code == 200 && !versions.contains($0.body) }
            #expect(odd.isEmpty, "bodies not a whole published version: \(odd.prefix(3))")
            #expect(answers.contains { $0.body.contains("two") }, "the load saw version two")
            #expect(try edge.curl(name, ca: ca).body == "<h1>Version one</h1>")
        }
    }

    @Test("a name another site's publish claims at the same moment is refused with nothing switched; a killed publish's claim is not",
          .timeLimit(.minutes(6)))
    func hostnameClaimedMeanwhile() async throws {
        try await PublishFixture.run { fixture in
            let edge = try EdgeFixture(fixture)
            try edge.up()
            let site = try Self.site(fixture, saying: "Before")
            #expect(try Self.publish(edge, site).status == 0)
            // Another site's publish under way, past the check of names that everyone makes first: its lock is
            // held and its staging container carries the name.
            let name = "race.\(fixture.user).example.test"
            let other = SiteIdentity(user: fixture.user, site: "other")
            _ = try await fixture.startPlainContainer(name: other.stagingContainerName, labels: [
                BerthLabel.site: other.site, BerthLabel.user: other.user, EdgeLabel.domains: name,
            ])
            try OperateTests.write("After", to: site)
            let refused = try await DeployLock(engine: fixture.engine, identity: other).withLock(wait: .seconds(5)) {
                try Self.publish(edge, site, ["--domain", name])
            }
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderr.contains("\(name) is being claimed by the site \(other) on local"), "\(refused)")
            let ca = try edge.caFile()
            #expect(try edge.curl(edge.defaultName("hello"), ca: ca).body == "<h1>Before</h1>", "nothing switched")
            let hello = SiteIdentity(user: fixture.user, site: "hello")
            #expect(try await fixture.engine.inspectContainer(hello.stagingContainerName) == nil)

            // With the lock free, the same container is what a killed publish leaves: it claims nothing.
            let published = try Self.publish(edge, site, ["--domain", name])
            #expect(published.status == 0, "\(published)")
            #expect(try edge.curl(name, ca: ca).body == "<h1>After</h1>")
        }
    }

    @Test("a new version that fails its check leaves the old one routed", .timeLimit(.minutes(6)))
    func failedCheckKeepsRoute() async throws {
        try await PublishFixture.run { fixture in
            let edge = try EdgeFixture(fixture)
            try edge.up()
            let site = try Self.site(fixture, saying: "Still here")
            #expect(try Self.publish(edge, site).status == 0)
            try OperateTests.write("Never served", to: site)
            var cli = edge.cli()
            cli.environment["BERTH_TEMPLATES"] = try fixture.unansweringTemplates()
            let failed = try cli.run(["publish", site, "--user", fixture.user, "--check-timeout", "3"], timeout: 180)
            #expect(failed.status == 1, "\(failed)")
            #expect(failed.stderr.contains("still serves"), "\(failed)")
            let answer = try edge.curl(edge.defaultName("hello"), ca: try edge.caFile())
            #expect(answer.code == 200 && answer.body == "<h1>Still here</h1>", "\(answer)")
        }
    }

    @Test("an upstream port something other than a container holds is passed over, on a first publish and a republish",
          .timeLimit(.minutes(6)))
    func upstreamPortHeldOutsideEngine() async throws {
        try await PublishFixture.run { fixture in
            let edge = try EdgeFixture(fixture, hostEntry: EdgeFixture.localEntry(ports: "21200-21205"))
            try edge.up()
            // What an outgoing connection's ephemeral port does when a range overlaps the kernel's: the engine's
            // list of ports does not show it, so berth picks it, and the engine cannot bind it.
            let lowest = try LoopbackSocket.listen(port: 21200)
            defer { close(lowest.descriptor) }
            let site = try Self.site(fixture, saying: "First")
            let first = try Self.publish(edge, site)
            #expect(first.status == 0, "\(first)")
            let (name, ca) = (edge.defaultName("hello"), try edge.caFile())
            #expect(try edge.curl(name, ca: ca).body == "<h1>First</h1>")
            let served = try await Self.upstream(of: fixture)
            #expect(served.port != 21200 && !served.slots.contains(21200), "\(served)")

            // A republish starts on the pair's other port: held too, it is replaced.
            let other = try #require(served.slots.first { $0 != served.port }, "\(served)")
            let held = try LoopbackSocket.listen(port: other)
            defer { close(held.descriptor) }
            try OperateTests.write("Second", to: site)
            let second = try Self.publish(edge, site)
            #expect(second.status == 0, "\(second)")
            #expect(try edge.curl(name, ca: ca).body == "<h1>Second</h1>")
            let moved = try await Self.upstream(of: fixture)
            #expect(![21200, other, served.port].contains(moved.port) && moved.slots.contains(moved.port)
                        && moved.slots.contains(served.port), "\(moved) after \(served)")
        }
    }

    /// The host port the site's container publishes and the upstream pair its labels give the edge.
    static func upstream(of fixture: PublishFixture) async throws -> (port: Int, slots: [Int]) {
        let container = try #require(try await fixture.engine.inspectContainer(
            SiteIdentity(user: fixture.user, site: "hello").containerName))
        let port = try #require(container.publishedBindings(of: "8080/tcp").first?.hostPort.flatMap { Int($0) })
        let slots = (container.labels[EdgeLabel.upstreams] ?? "").split(separator: ",").compactMap { Int($0) }
        return (port, slots)
    }

    @Test("stop takes the route away (503, a plain page), start puts it back, rm removes it",
          .timeLimit(.minutes(6)))
    func stopStartRemove() async throws {
        try await PublishFixture.run { fixture in
            let edge = try EdgeFixture(fixture)
            try edge.up()
            #expect(try Self.publish(edge, try Self.site(fixture, saying: "Operated")).status == 0)
            let (name, ca) = (edge.defaultName("hello"), try edge.caFile())
            #expect(try edge.berth(["stop", "hello", "--user", fixture.user]).status == 0)
            let stopped = try edge.curl(name, ca: ca)
            #expect(stopped.code == 503 && stopped.body == "This site is stopped.\n", "\(stopped)")
            #expect(try edge.berth(["start", "hello", "--user", fixture.user]).status == 0)
            #expect(try edge.curl(name, ca: ca).code == 200)
            #expect(try edge.berth(["rm", "hello", "--user", fixture.user]).status == 0)
            let removed = try edge.curl(name, ca: ca)
            #expect(removed.code != 200 && removed.code != 503, "no route any more: \(removed)")
        }
    }

    @Test("after docker rm -f berth-edge, berth edge up restores every route; a publish meanwhile says how to start it",
          .timeLimit(.minutes(6)))
    func edgeRebuiltFromEngine() async throws {
        try await PublishFixture.run { fixture in
            let edge = try EdgeFixture(fixture)
            try edge.up()
            let site = try Self.site(fixture, saying: "Routed again")
            // Its second name from berth.yml this time.
            try "domains:\n  - Again.\(fixture.user).example.test\n".write(toFile: site + "/berth.yml", atomically: true,
                                                                        encoding: .utf8)
            #expect(try Self.publish(edge, site).status == 0)
            try await fixture.engine.removeContainer("berth-edge", force: true)

            try OperateTests.write("Not published", to: site)
            let refused = try Self.publish(edge, site)
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderr.contains("the edge on local does not exist")
                && refused.stderr.contains("berth edge up --host local"), "\(refused)")

            let up = try edge.berth(["edge", "up"])
            #expect(up.status == 0 && up.stdout.contains(edge.defaultName("hello")), "\(up)")
            let ca = try edge.caFile()
            for name in [edge.defaultName("hello"), "again.\(fixture.user).example.test"] {
                let answer = try edge.curl(name, ca: ca)
                #expect(answer.code == 200 && answer.body == "<h1>Routed again</h1>", "\(name): \(answer)")
            }
        }
    }

    @Test("a malformed edge: block is refused with its line", .timeLimit(.minutes(6)))
    func malformedEdgeBlock() async throws {
        try await PublishFixture.run { fixture in
            let entry = """
                  local:
                    docker: unix:///var/run/docker.sock
                    edge:
                      domain: sites.example.com
                      tls: internal
                      https_port: lots

                """
            let edge = try EdgeFixture(fixture, hostEntry: entry)
            let outcome = try edge.berth(["edge", "status"])
            #expect(outcome.status == 64, "\(outcome)")
            #expect(outcome.stderr.contains("hosts.yml, line 7: host 'local': edge: https_port 'lots' is not valid"),
                    "\(outcome)")
        }
    }
}

/// web2's edge runs in "Many hosts", serialized with the tests that stop web2 or fill its memory.
extension MultiHostTests {
    @Test("web2's edge serves with the certificate files the hosts file names", .timeLimit(.minutes(6)))
    func certificateFilesOnWeb2() async throws {
        try await PublishFixture.run { fixture in
            let address = try PublishFixture.required("BERTH_TEST_WEB2_ADDR", setBy: "scripts/test-hosts",
                                                      file: "/var/lib/berth-test/hosts/env.sh")
            let certs = try PublishFixture.required("BERTH_TEST_WEB2_EDGE_CERTS", setBy: "scripts/test-hosts",
                                                    file: "/var/lib/berth-test/hosts/env.sh")
            let domain = try PublishFixture.required("BERTH_TEST_WEB2_EDGE_DOMAIN", setBy: "scripts/test-hosts",
                                                     file: "/var/lib/berth-test/hosts/env.sh")
            let clientCerts = try PublishFixture.required("BERTH_TEST_CERTS", setBy: "scripts/test-hosts",
                                                          file: "/var/lib/berth-test/hosts/env.sh") + "/client"
            let entry = """
                  web2:
                    docker: tcp://\(address):2376
                    tls: \(clientCerts)
                    address: \(address)
                    ports: 21100-21199
                    edge:
                      domain: \(domain)
                      tls: {cert: \(certs)/cert.pem, key: \(certs)/key.pem}
                      http_port: \(EdgeFixture.httpPort)
                      https_port: \(EdgeFixture.httpsPort)

                """
            let edge = try EdgeFixture(fixture, hostEntry: entry, address: address)
            let web2 = DockerEngine(endpoint: DockerEndpoint(.unix(path: try PublishFixture.required(
                "BERTH_TEST_WEB2_SOCKET", setBy: "scripts/test-hosts", file: "/var/lib/berth-test/hosts/env.sh"))))
            do {
                try await Self.servesWithFiles(edge, domain: domain, ca: certs + "/ca.pem")
            } catch {
                await Self.removeEdgeAndSites(of: fixture.user, from: web2)
                throw error
            }
            await Self.removeEdgeAndSites(of: fixture.user, from: web2)
        }
    }

    /// web2's memory is small and shared with this suite's placement tests: its edge does not stay.
    static func removeEdgeAndSites(of user: String, from engine: DockerEngine) async {
        try? await engine.removeContainer(EdgeContainerSpec.containerName, force: true)
        for container in (try? await engine.listContainers(all: true, labelFilters: ["berth.user=\(user)"])) ?? [] {
            try? await engine.removeContainer(container.id, force: true)
        }
        for image in (try? await engine.listImages(labelFilters: ["berth.user=\(user)"])) ?? [] {
            try? await engine.removeImage(image.id, force: true)
        }
    }

    static func servesWithFiles(_ edge: EdgeFixture, domain: String, ca: String) async throws {
        let fixture = edge.fixture
        do {
            try edge.up()
            let published = try EdgeTests.publish(edge, try EdgeTests.site(fixture, saying: "On web2"))
            #expect(published.status == 0, "\(published)")
            let name = "hello--\(fixture.user).\(domain)"
            let answer = try edge.curl(name, ca: ca)
            #expect(answer.code == 200 && answer.body == "<h1>On web2</h1>", "\(answer)")
            // start checks through the edge: the site's port is web2's loopback, out of berth's reach.
            #expect(try edge.berth(["stop", "hello", "--user", fixture.user]).status == 0)
            #expect(try edge.curl(name, ca: ca).code == 503)
            let started = try edge.berth(["start", "hello", "--user", fixture.user])
            #expect(started.status == 0, "\(started)")
            #expect(try edge.curl(name, ca: ca).code == 200)
        }
    }
}
