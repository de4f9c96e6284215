import BerthCore
import Testing

@Suite("serve.yml")
struct ServeConfigTests {
    @Test("a full config is read, paths relative to its file")
    func full() throws {
        let config = try ServeConfig(yaml: """
            listen: 127.0.0.1:9443
            database: state/serve.db
            hosts: hosts.yml
            registry: {address: "127.0.0.1:5000", user: u, password: p}
            tls: {cert: cert.pem, key: key.pem}
            quotas:
              sites: 3
              memory: 1g
              site_memory: 128m
              upload_size: 512k
              files: 100
              versions: 2
              publishes_per_hour: unlimited
            """, file: "/etc/berth/serve.yml")
        #expect(config.listenPort == 9443 && config.database == "/etc/berth/state/serve.db")
        #expect(config.hosts == "/etc/berth/hosts.yml" && config.tlsKey == "/etc/berth/key.pem")
        #expect(config.registry == "127.0.0.1:5000" && config.registryUser == "u")
        #expect(config.quotas == Quotas(sites: 3, memory: 1 << 30, siteMemory: 128 << 20, uploadSize: 512 << 10,
                                        files: 100, versions: 2, publishesPerHour: nil))
    }

    @Test("mistakes name the key and its line", arguments: [
        ("database: x\nlisten: nowhere\n", 2, "listen"),
        ("database: x\nquotas:\n  sites: many\n", 3, "sites"),
        ("database: x\nquotas:\n  disk: 1g\n", 3, "disk"),
        ("database: x\nport: 1\n", 2, "port"),
        ("listen: 127.0.0.1:1\n", nil, "database"),
        ("database: x\nlisten: 0.0.0.0:8443\n", 2, "tls"),
        ("database: x\nlisten: \"[::]:8443\"\n", 2, "tls"),
    ] as [(String, Int?, String)])
    func mistakes(_ yaml: String, _ line: Int?, _ key: String) {
        do {
            _ = try ServeConfig(yaml: yaml, file: "serve.yml")
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(error.line == line)
            #expect(error.description.contains(key))
        }
    }
}
