import Testing
@testable import BerthCore

@Suite("Host placement for --host auto")
struct HostPlacementTests {
    static func capacity(_ name: String, capacity: Int64, committed: Int64) -> HostCapacity {
        HostCapacity(host: DockerHost(name: name, endpoint: .tcp(host: "127.0.0.1", port: 2375)),
                     capacityBytes: capacity << 20, committedBytes: committed << 20)
    }

    @Test("the host with the most free memory that fits wins; ties go to the first listed")
    func mostFree() throws {
        let hosts = [
            Self.capacity("web1", capacity: 1024, committed: 800),
            Self.capacity("web2", capacity: 2048, committed: 1024),
            Self.capacity("web3", capacity: 1024, committed: 0),
        ]
        #expect(try HostPlacement.choose(for: MemoryLimit(bytes: 64 << 20), among: hosts).name == "web2")
        let tie = [Self.capacity("a", capacity: 512, committed: 0), Self.capacity("b", capacity: 512, committed: 0)]
        #expect(try HostPlacement.choose(for: MemoryLimit(bytes: 64 << 20), among: tie).name == "a")
    }

    @Test("filling hosts: each placement lowers the chosen host's free memory")
    func filling() throws {
        var hosts = [Self.capacity("web1", capacity: 256, committed: 0), Self.capacity("web2", capacity: 200, committed: 0)]
        var placed: [String] = []
        for _ in 0..<7 {
            let chosen = try HostPlacement.choose(for: MemoryLimit(bytes: 64 << 20), among: hosts)
            placed.append(chosen.name)
            let index = try #require(hosts.firstIndex { $0.host.name == chosen.name })
            hosts[index].committedBytes += 64 << 20
        }
        // Free MiB after each: 192/200, 192/136, 128/136, 128/72, 64/72, 64/8, 0/8.
        #expect(placed == ["web1", "web2", "web1", "web2", "web1", "web2", "web1"])
        #expect(throws: PlacementError.self) { try HostPlacement.choose(for: MemoryLimit(bytes: 64 << 20), among: hosts) }
    }

    @Test("when nothing fits, the error names the closest host and what it has free")
    func nothingFits() {
        let hosts = [Self.capacity("web1", capacity: 1024, committed: 1000), Self.capacity("web2", capacity: 512, committed: 400)]
        do {
            _ = try HostPlacement.choose(for: MemoryLimit(bytes: 256 << 20), among: hosts, unreachable: ["web3": "refused"])
            Issue.record("placed a site that fits nowhere")
        } catch {
            #expect(error.description.contains("no host has 256 MiB free"))
            #expect(error.description.contains("the closest is web2 with 112 MiB free of 512 MiB"))
            #expect(error.description.contains("not reachable: web3"))
        }
    }
}
