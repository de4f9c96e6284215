import Testing
@testable import BerthCore

@Suite("Hosts inventory")
struct InventoryTests {
    @Test("a full inventory: endpoints, TLS, address, port range, memory, registry")
    func fullInventory() throws {
        let inventory = try Inventory.parse("""
            registry: registry.example.com:5000
            hosts:
              local:
                docker: unix:///var/run/docker.sock
              web2:
                docker: tcp://10.0.0.2:2376
                tls: certs/web2
                address: web2.example.com
                ports: 30000-30099
                memory: 2g
            """, file: "/etc/berth/hosts.yml")
        #expect(inventory.registry == "registry.example.com:5000")
        #expect(inventory.hosts.map(\.name) == ["local", "web2"])
        let local = try inventory.host(named: "local")
        #expect(local.endpoint == .unix(path: "/var/run/docker.sock"))
        #expect(local.address == "127.0.0.1")
        #expect(local.ports == DockerHost.defaultPorts)
        let web2 = try inventory.host(named: "web2")
        #expect(web2.address == "web2.example.com")
        #expect(web2.ports == 30000...30099)
        #expect(web2.memory == MemoryLimit(bytes: 2 << 30))
        guard case .tls(let host, let port, let files) = web2.endpoint.transport else {
            Issue.record("web2 should use TLS: \(web2.endpoint)")
            return
        }
        #expect(host == "10.0.0.2" && port == 2376)
        #expect(files.caPath == "/etc/berth/certs/web2/ca.pem", "a relative tls directory is relative to the file")
        #expect(web2.url(port: 30001) == "http://web2.example.com:30001/")
    }

    @Test("an unknown host lists the known ones")
    func unknownHost() throws {
        let inventory = try Inventory.parse("hosts:\n  a:\n    docker: unix:///x.sock\n  b:\n    docker: tcp://1.2.3.4:2375\n",
                                            file: "hosts.yml")
        #expect(throws: InventoryError.unknownHost(name: "c", known: ["a", "b"], file: "hosts.yml")) {
            try inventory.host(named: "c")
        }
        #expect(InventoryError.unknownHost(name: "c", known: ["a", "b"], file: "hosts.yml").description
            == "unknown host 'c'; known hosts in hosts.yml: a, b")
    }

    @Test("mistakes are named with their line", arguments: [
        ("hosts:\n  web1:\n    dokker: tcp://1.2.3.4:2375\n", 3, "unknown key 'dokker'"),
        ("hosts:\n  web1:\n    address: 1.2.3.4\n", 2, "has no 'docker:' endpoint"),
        ("hosts:\n  web1:\n    docker: ftp://nowhere\n", 3, "host 'web1'"),
        ("hosts:\n  web1:\n    docker: tcp://1.2.3.4:2375\n    ports: 9-1\n", 4, "ports must be a range"),
        ("hosts:\n  web1:\n    docker: tcp://1.2.3.4:2375\n    memory: lots\n", 4, "memory limit 'lots'"),
        ("hosts:\n  Web_1:\n    docker: tcp://1.2.3.4:2375\n", 2, "host name 'Web_1'"),
        ("registy: x\nhosts:\n  a:\n    docker: unix:///x\n", 1, "unknown key 'registy'"),
        ("hosts:\n  a: [1, 2\n", 3, "not valid YAML"),
    ])
    func mistakes(_ text: String, _ line: Int, _ message: String) {
        do {
            _ = try Inventory.parse(text, file: "hosts.yml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.hasPrefix("hosts.yml, line"))
        }
    }

    @Test("without a file there is one host, local, from DOCKER_HOST or the default socket")
    func implicitLocal() throws {
        let plain = try Inventory.load(explicitPath: nil, environment: ["HOME": "/nonexistent"])
        #expect(plain.hosts.map(\.name) == ["local"])
        #expect(plain.hosts.first?.endpoint == .defaultLocal)
        let fromEnvironment = try Inventory.load(explicitPath: nil, environment: ["DOCKER_HOST": "tcp://127.0.0.1:2375"])
        #expect(fromEnvironment.hosts.first?.endpoint == .tcp(host: "127.0.0.1", port: 2375))
    }

    @Test("a missing inventory file is an error naming it")
    func missingFile() {
        #expect(throws: ConfigFileError.self) {
            try Inventory.load(explicitPath: "/nonexistent/hosts.yml", environment: [:])
        }
    }
}
