import Testing
@testable import BerthCore

@Suite("Publish options and names")
struct PublishOptionsTests {
    @Test func ports() throws {
        #expect(try PortRequest(parsing: "auto") == .auto)
        #expect(try PortRequest(parsing: "8080") == .fixed(8080))
        for bad in ["0", "65536", "http", "-1", ""] {
            #expect(throws: PublishError.self) { try PortRequest(parsing: bad) }
        }
    }

    @Test("container and image names follow berth--USER--SITE and [REGISTRY/]USER/SITE")
    func names() {
        let identity = SiteIdentity(user: "alice", site: "blog")
        #expect(identity.containerName == "berth--alice--blog")
        #expect(identity.lockContainerName == "berth-lock--alice--blog")
        #expect(identity.stagingContainerName == "berth--alice--blog--next")
        #expect(identity.legacyContainerName == "berth-alice-blog")
        #expect(identity.repository(registry: nil) == "alice/blog")
        #expect(identity.repository(registry: "127.0.0.1:5000") == "127.0.0.1:5000/alice/blog")
        #expect(identity.owns([BerthLabel.user: "alice", BerthLabel.site: "blog", "x": "y"]))
        #expect(!identity.owns([BerthLabel.user: "alice-blog", BerthLabel.site: ""]))
        #expect(!identity.owns([:]))
    }

    @Test func defaultUser() {
        #expect(SiteIdentity.defaultUser(environment: ["BERTH_USER": "ci-bot", "USER": "root"]) == "ci-bot")
        #expect(SiteIdentity.defaultUser(environment: ["USER": "Jane.Doe"]) == "jane-doe")
        #expect(SiteIdentity.defaultUser(environment: [:]) == "default")
    }

    @Test("the hardened container: non-root, read-only, no capabilities, memory without swap")
    func containerSpec() {
        let host = DockerHost(name: "local", endpoint: .defaultLocal)
        let spec = SiteContainerSpec.make(image: "a/b:1", server: .nginx, memory: MemoryLimit(bytes: 64 << 20),
                                          host: host, hostPort: 20001, labels: ["k": "v"], network: "net-id")
        #expect(spec.user == "101:101")
        #expect(spec.exposedPorts == ["8080/tcp"])
        #expect(spec.hostConfig.portBindings == ["8080/tcp": [PortBinding(hostIP: "127.0.0.1", hostPort: "20001")]])
        #expect(spec.hostConfig.memory == 64 << 20 && spec.hostConfig.memorySwap == 64 << 20)
        #expect(spec.hostConfig.readonlyRootfs == true)
        #expect(spec.hostConfig.capDrop == ["ALL"])
        #expect(spec.hostConfig.securityOpt == ["no-new-privileges"])
        #expect(spec.hostConfig.pidsLimit == 128)
        #expect(spec.hostConfig.tmpfs == ["/tmp": "rw,noexec,nosuid,nodev,size=16m"])
        #expect(spec.hostConfig.capAdd == nil)
        #expect(spec.hostConfig.restartPolicy == .unlessStopped)
        #expect(spec.hostConfig.networkMode == "net-id")
        let remote = DockerHost(name: "web", endpoint: .tcp(host: "10.0.0.2", port: 2375))
        #expect(remote.bindAddress == "0.0.0.0")
    }

    @Test("publishes that created the sites' network at the same moment all settle on the oldest")
    func oldestSiteNetwork() {
        func network(_ id: String, _ created: String?) -> NetworkInspect {
            NetworkInspect(id: id, name: SiteNetwork.name, created: created, driver: "bridge", options: nil, labels: nil)
        }
        let first = network("ffff", "2026-11-23T12:12:35.1Z")
        let second = network("0000", "2026-11-23T12:12:35.12Z")
        #expect(SiteNetwork.oldest([second, first])?.id == "ffff", "by time, whatever the IDs and the order listed")
        let tied = [network("b2", "2026-11-23T12:12:35Z"), network("a1", "2026-11-23T12:12:35Z")]
        #expect(SiteNetwork.oldest(tied)?.id == "a1")
        #expect(SiteNetwork.oldest([]) == nil)
    }
}
