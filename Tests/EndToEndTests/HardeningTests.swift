import BerthCore
import Foundation
import Testing

/// The hardening the README promises for a running site, read back from the container the engine runs: a
/// misspelt key in the create request is silently ignored by the engine, so only reading it back can tell.
@Suite("Hardening of a running site, read back from the engine", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct HardeningTests {
    /// Every setting of README "Run" (5), checked on the container the engine reports.
    static func expectHardened(_ container: ContainerInspect, memory: Int64, after step: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let host = container.hostConfig
        let context = "after \(step)"
        #expect(container.state.running, "\(context)", sourceLocation: sourceLocation)
        #expect(container.config.user == "101:101", "a non-root numeric user, \(context)",
                sourceLocation: sourceLocation)
        #expect(host.readonlyRootfs == true, "read-only root filesystem, \(context)", sourceLocation: sourceLocation)
        #expect(host.tmpfs == ["/tmp": "rw,noexec,nosuid,nodev,size=16m"], "a 16 MiB tmpfs /tmp and nothing more, \(context)",
                sourceLocation: sourceLocation)
        #expect(host.capDrop == ["ALL"], "all capabilities dropped, \(context)", sourceLocation: sourceLocation)
        #expect(host.capAdd ?? [] == [], "none added back, \(context)", sourceLocation: sourceLocation)
        #expect(host.securityOpt == ["no-new-privileges"], "\(context)", sourceLocation: sourceLocation)
        #expect(host.pidsLimit == 128, "at most 128 processes, \(context)", sourceLocation: sourceLocation)
        #expect(host.memory == memory && host.memorySwap == memory, "memory = memory+swap = the limit, \(context)",
                sourceLocation: sourceLocation)
        #expect(host.restartPolicy?.name == "unless-stopped", "\(context)", sourceLocation: sourceLocation)
        #expect(host.privileged != true, "\(context)", sourceLocation: sourceLocation)
        #expect(host.binds ?? [] == [], "no bind mounts (no docker socket), \(context)", sourceLocation: sourceLocation)
        let mounts = container.mounts ?? []
        #expect(!mounts.contains { ($0.source ?? "").contains("docker.sock") || $0.type == "bind" },
                "no docker socket or other host path mounted: \(mounts), \(context)", sourceLocation: sourceLocation)
        #expect(container.networkSettings?.networks.map { Set($0.keys) } == ["berth-sites"],
                "on the sites' network only, \(context)", sourceLocation: sourceLocation)
        let bindings = container.publishedBindings(of: "8080/tcp")
        #expect(bindings.count == 1 && bindings.first?.hostIP == "127.0.0.1",
                "one port, on loopback for a local engine: \(bindings), \(context)", sourceLocation: sourceLocation)
    }

    @Test("publish, republish, rollback and start each leave the site's container hardened")
    func hardenedThroughItsLife() async throws {
        try await PublishFixture.run { fixture in
            let name = SiteIdentity(user: fixture.user, site: "hello").containerName
            let site = try OperateTests.site(fixture, saying: "One")
            _ = try OperateTests.publish(fixture, site, ["--tag", "one", "--memory", "72m"])
            Self.expectHardened(try #require(try await fixture.engine.inspectContainer(name)),
                                memory: 72 << 20, after: "the first publish")

            try OperateTests.write("Two", to: site)
            _ = try OperateTests.publish(fixture, site, ["--tag", "two", "--memory", "72m"])
            Self.expectHardened(try #require(try await fixture.engine.inspectContainer(name)),
                                memory: 72 << 20, after: "a republish that replaced the container")

            let rollback = try fixture.cli().run(["rollback", "hello", "--user", fixture.user, "--to", "one"])
            #expect(rollback.status == 0, "\(rollback)")
            let rolledBack = try #require(try await fixture.engine.inspectContainer(name))
            #expect(rolledBack.labels[BerthLabel.version] == "one")
            Self.expectHardened(rolledBack, memory: 72 << 20, after: "a rollback")

            let stop = try fixture.cli().run(["stop", "hello", "--user", fixture.user])
            #expect(stop.status == 0, "\(stop)")
            let start = try fixture.cli().run(["start", "hello", "--user", fixture.user])
            #expect(start.status == 0, "\(start)")
            Self.expectHardened(try #require(try await fixture.engine.inspectContainer(name)),
                                memory: 72 << 20, after: "stop and start")
        }
    }
}
