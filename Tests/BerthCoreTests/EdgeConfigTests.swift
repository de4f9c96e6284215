import Foundation
import Testing
@testable import BerthCore

/// The edge's pure parts: host names, the inventory's `edge:` block, routes derived from labels, and the Caddy
/// configuration rendered from them.
@Suite("Edge: names, settings, routes, Caddy configuration")
struct EdgeConfigTests {
    @Test("host names: lower-cased DNS labels; wildcards, bad labels, addresses refused")
    func hostnames() throws {
        #expect(try EdgeHostname(parsing: "WWW.Ann.dev.").name == "www.ann.dev")
        for bad in ["*.ann.dev", "ann", "a..b", "-a.b", "a-.b", "a_b.c", "é.fr", "10.0.0.1", "a.b c", "",
                    String(repeating: "a", count: 64) + ".b"] {
            #expect(throws: EdgeHostnameError.self, "\(bad)") { try EdgeHostname(parsing: bad) }
        }
        let name = try EdgeHostname.defaultName(for: SiteIdentity(user: "ann", site: "blog"),
                                                domain: EdgeHostname(parsing: "sites.example.com"))
        #expect(name.name == "blog--ann.sites.example.com")
    }

    @Test("berth.yml's domains: a list or one name, each validated with its line")
    func siteDomains() throws {
        #expect(try SiteConfig(yaml: "domains:\n  - www.Ann.dev\n  - ann.dev\n").domains.map(\.name) == ["www.ann.dev", "ann.dev"])
        #expect(try SiteConfig(yaml: "domains: blog.ann.dev\n").domains.map(\.name) == ["blog.ann.dev"])
        #expect {
            _ = try SiteConfig(yaml: "memory: 64m\ndomains:\n  - ok.ann.dev\n  - '*.ann.dev'\n")
        } throws: { error in
            (error as? ConfigFileError)?.line == 4 && "\(error)".contains("wildcards")
        }
    }

    static func inventory(_ edge: String) throws -> Inventory {
        try Inventory.parse("hosts:\n  web:\n    docker: unix:///var/run/docker.sock\n    edge:\n" + edge, file: "/etc/hosts.yml")
    }

    @Test("the edge: block: defaults, each TLS mode, certificate files relative to the hosts file")
    func settings() throws {
        let acme = try #require(try Self.inventory("      domain: s.example.com\n      tls: acme\n      email: ops@example.com\n").hosts.first?.edge)
        #expect(acme.tls == .acme(email: EmailAddress("ops@example.com")) && acme.httpPort == 80 && acme.httpsPort == 443)
        let files = try #require(try Self.inventory("      domain: s.example.com\n      tls: {cert: c.pem, key: /k.pem}\n").hosts.first?.edge)
        #expect(files.tls == .files(certificate: "/etc/c.pem", key: "/k.pem"))
        #expect(try files.image(environment: ["BERTH_EDGE_IMAGE": "local/caddy:1"]).description == "local/caddy:1")
        #expect(try files.image(environment: [:]).description == "caddy:2-alpine")
    }

    @Test("a malformed edge: block is refused with its line", arguments: [
        ("      tls: internal\n", 4, "'domain' is missing"),
        ("      domain: '*.example.com'\n      tls: internal\n", 5, "wildcards"),
        ("      domain: s.example.com\n      tls: letsencrypt\n", 6, "tls 'letsencrypt' is not valid"),
        ("      domain: s.example.com\n      tls: internal\n      https_port: 0\n", 7, "https_port '0' is not valid"),
        ("      domain: s.example.com\n      tls: internal\n      email: ops@example.com\n", 7, "only for tls: acme"),
        ("      domain: s.example.com\n      tls: internal\n      proxy: yes\n", 7, "unknown key 'proxy'"),
    ])
    func malformed(_ block: String, line: Int, message: String) {
        #expect {
            _ = try Self.inventory(block)
        } throws: { error in
            let error = error as? ConfigFileError
            return error?.line == line && error?.message.contains(message) == true
        }
    }

    static func container(_ user: String, _ site: String, name: String? = nil, running: Bool = true,
                          labels extra: [String: String]) -> SiteContainer {
        let identity = SiteIdentity(user: user, site: site)
        let labels = identity.labels.merging(extra) { _, new in new }
        let summary = ContainerSummary(id: "\(user)-\(site)-\(name ?? "")", names: ["/" + (name ?? identity.containerName)],
                                       image: "x", imageID: nil, created: 0, state: running ? "running" : "exited",
                                       status: "", labels: labels, ports: nil)
        return SiteContainer(host: DockerHost(name: "web", endpoint: .defaultLocal), identity: identity, summary: summary)
    }

    @Test("routes come from the labels of site and parked containers; staging ones and unlabelled sites are left out")
    func derivation() {
        let table = EdgeRouteTable.derive(from: [
            Self.container("ann", "blog", labels: [EdgeLabel.domains: "blog--ann.s.test,www.ann.dev",
                                                   EdgeLabel.upstreams: "20001,20002"]),
            Self.container("ann", "blog", name: "berth--ann--blog--old",
                           labels: [EdgeLabel.domains: "old.ann.dev", EdgeLabel.upstreams: "20001,20002"]),
            Self.container("ann", "blog", name: "berth--ann--blog--next",
                           labels: [EdgeLabel.domains: "next.ann.dev", EdgeLabel.upstreams: "20003,20004"]),
            Self.container("bob", "shop", running: false,
                           labels: [EdgeLabel.domains: "shop--bob.s.test,www.ann.dev", EdgeLabel.upstreams: "20005,20006"]),
            Self.container("cy", "plain", labels: [:]),
            Self.container("dee", "odd", labels: [EdgeLabel.domains: "*.bad,ok.dee.dev", EdgeLabel.upstreams: "1,x"]),
        ])
        #expect(table.routes.map(\.identity.description) == ["ann/blog", "bob/shop"])
        let blog = table.routes[0]
        #expect(blog.hostnames.map(\.name) == ["blog--ann.s.test", "www.ann.dev", "old.ann.dev"])
        #expect(blog.upstreams == [.loopback(20001), .loopback(20002)] && blog.serving)
        #expect(table.routes[1].hostnames.map(\.name) == ["shop--bob.s.test"], "a claimed name stays with the first")
        #expect(!table.routes[1].serving)
        #expect(table.owner(of: try! EdgeHostname(parsing: "www.ann.dev")) == SiteIdentity(user: "ann", site: "blog"))
    }

    /// Admin on a unix socket, two upstreams with first/passive health, 503 for a stopped site, a redirect keeping
    /// the HTTPS port, no ACME with certificate files.
    @Test("the Caddy configuration, structurally")
    func caddyConfig() throws {
        let settings = EdgeSettings(domain: try EdgeHostname(parsing: "s.test"), tls: .internalCA, httpPort: 8080,
                                    httpsPort: 8443)
        let table = EdgeRouteTable(routes: [
            EdgeRoute(identity: SiteIdentity(user: "ann", site: "blog"), hostnames: [try EdgeHostname(parsing: "a.s.test")],
                      upstreams: [.loopback(20001), .loopback(20002)], serving: true),
            EdgeRoute(identity: SiteIdentity(user: "bob", site: "shop"), hostnames: [try EdgeHostname(parsing: "b.s.test")],
                      upstreams: [.loopback(20003), .loopback(20004)], serving: false),
        ])
        let config = CaddyConfig.render(settings: settings, table: table)
        #expect(config["admin"]?["listen"] == "unix//run/caddy/admin.sock")
        let http = try #require(config["apps"]?["http"])
        let https = try #require(http["servers"]?["berth-https"])
        #expect(https["listen"] == [":8443"])
        guard case .array(let routes) = https["routes"] else { Issue.record("no routes"); return }
        #expect(routes.count == 3)
        #expect(routes[0]["match"] == [["host": ["a.s.test"]]])
        guard case .array(let handlers) = routes[0]["handle"], case .array(let sub) = handlers.first?["routes"],
              case .array(let inner) = sub.first?["handle"] else { Issue.record("no subroute"); return }
        let proxy = inner[1]
        #expect(proxy["upstreams"] == [["dial": "127.0.0.1:20001"], ["dial": "127.0.0.1:20002"]])
        #expect(proxy["load_balancing"] == ["selection_policy": ["policy": "first"], "try_duration": "5s",
                                            "try_interval": "100ms"])
        #expect(proxy["health_checks"] == ["passive": ["fail_duration": "2s", "max_fails": 1]])
        #expect(routes[1]["handle"] == [CaddyConfig.plainResponse(503, "This site is stopped.\n")])
        let redirect = try #require(http["servers"]?["berth-http"])
        #expect(redirect["listen"] == [":8080"])
        #expect(String(decoding: config.rendered(), as: UTF8.self)
            .contains("\"https://{http.request.host}:8443{http.request.uri}\""))
        #expect(config["apps"]?["tls"]?["automation"] == ["policies": [["issuers": [["module": "internal"]]]]])

        var files = settings
        files.tls = .files(certificate: "/c.pem", key: "/k.pem")
        let withFiles = CaddyConfig.render(settings: files, table: table)
        #expect(withFiles["apps"]?["tls"]?["automation"] == nil)
        #expect(withFiles["apps"]?["http"]?["servers"]?["berth-https"]?["automatic_https"]
            == ["disable_redirects": true, "disable_certificates": true])
        #expect(config.rendered() == CaddyConfig.render(settings: settings, table: table).rendered(), "deterministic")
    }
}
