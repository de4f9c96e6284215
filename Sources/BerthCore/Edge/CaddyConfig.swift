/// The edge's whole Caddy configuration (JSON), rendered from a host's `EdgeSettings` and its route table. Every
/// value in it is a validated host name, a port number, a fixed path or a fixed word: nothing a site or user
/// typed goes in as text.
///
/// Each site has two upstreams (its two loopback ports) with `lb_policy first`, retries for 5 s every 100 ms and
/// a passive health check (one failure marks an upstream down for 2 s): a new version starts on the port the old
/// one does not use, and traffic moves to it when the old one stops, with no reload (see README, "The edge").
public enum CaddyConfig {
    /// Where the configuration lives in the edge container (on its `/config` volume).
    public static let path = "/config/caddy/berth.json"
    public static let adminSocket = "/run/caddy/admin.sock"
    /// Where certificate files (`tls: {cert, key}`) are uploaded (on the `/data` volume).
    public static let certificatePath = "/data/berth/tls/cert.pem"
    public static let keyPath = "/data/berth/tls/key.pem"

    static let stoppedPage = "This site is stopped.\n"
    static let unknownPage = "No site is served under this name here.\n"

    public static func render(settings: EdgeSettings, table: EdgeRouteTable) -> JSONValue {
        var routes: [JSONValue] = table.routes.map { route in
            let match: JSONValue = [["host": .array(route.hostnames.map { .string($0.name) })]]
            guard route.serving else {
                return ["match": match, "handle": [plainResponse(503, stoppedPage)], "terminal": true]
            }
            return ["match": match, "handle": [["handler": "subroute", "routes": [["handle": [
                ["handler": "encode", "encodings": ["zstd": [:], "gzip": [:]], "prefer": ["zstd", "gzip"]],
                proxy(route.upstreams),
            ]]]]], "terminal": true]
        }
        routes.append(["handle": [plainResponse(404, unknownPage)]])

        var httpsServer: JSONValue = [
            "listen": [.string(":\(settings.httpsPort)")],
            "routes": .array(routes),
            // berth's own server on the HTTP port redirects, keeping a non-standard HTTPS port in the URL.
            "automatic_https": ["disable_redirects": true],
        ]
        let port = settings.httpsPort == 443 ? "" : ":\(settings.httpsPort)"
        let redirect: JSONValue = [
            "listen": [.string(":\(settings.httpPort)")],
            "routes": [["handle": [[
                "handler": "static_response", "status_code": 308,
                "headers": ["Location": [.string("https://{http.request.host}\(port){http.request.uri}")]],
            ]]]],
        ]
        var tls: JSONValue
        switch settings.tls {
        case .acme(let email):
            var issuer: [String: JSONValue] = ["module": "acme"]
            if let email { issuer["email"] = .string(email.text) }
            tls = ["automation": ["policies": [["issuers": [.object(issuer)]]]]]
        case .internalCA:
            tls = ["automation": ["policies": [["issuers": [["module": "internal"]]]]]]
        case .files:
            // Only the uploaded certificate: a name it does not cover fails its handshake rather than sending
            // Caddy off to a public CA.
            tls = ["certificates": ["load_files": [["certificate": .string(certificatePath),
                                                    "key": .string(keyPath), "tags": ["berth"]]]]]
            if case .object(var server) = httpsServer {
                server["automatic_https"] = ["disable_redirects": true, "disable_certificates": true]
                server["tls_connection_policies"] = [[:]]
                httpsServer = .object(server)
            }
        }
        return [
            "admin": ["listen": .string("unix/" + adminSocket)],
            "apps": [
                "http": [
                    "http_port": .integer(settings.httpPort),
                    "https_port": .integer(settings.httpsPort),
                    "servers": ["berth-https": httpsServer, "berth-http": redirect],
                ],
                "tls": tls,
                "pki": ["certificate_authorities": ["local": ["install_trust": false]]],
            ],
        ]
    }

    static func proxy(_ upstreams: [EdgeUpstream]) -> JSONValue {
        [
            "handler": "reverse_proxy",
            "upstreams": .array(upstreams.map { ["dial": .string($0.dial)] }),
            "load_balancing": ["selection_policy": ["policy": "first"], "try_duration": "5s",
                               "try_interval": "100ms"],
            "health_checks": ["passive": ["fail_duration": "2s", "max_fails": 1]],
            // One Server header (the edge's), not the site's too.
            "headers": ["response": ["delete": ["Server"]]],
        ]
    }

    static func plainResponse(_ status: Int, _ body: String) -> JSONValue {
        ["handler": "static_response", "status_code": .integer(status), "body": .string(body),
         "headers": ["Content-Type": ["text/plain; charset=utf-8"]]]
    }
}
