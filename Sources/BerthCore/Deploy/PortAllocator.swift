/// Picks host ports for sites published with `--port auto`, avoiding every port the engine already publishes.
struct PortAllocator {
    let engine: any ContainerEngine
    let host: DockerHost

    /// Ports published by running containers, and reserved by stopped berth containers (so that starting a
    /// stopped site later does not clash).
    func portsInUse() async throws -> Set<Int> {
        var used = Set<Int>()
        var stopped: [String] = []
        for container in try await engine.listContainers(all: true) {
            for port in container.ports ?? [] {
                if let published = port.publicPort { used.insert(published) }
            }
            guard container.state != "running", container.labels?[BerthLabel.site] != nil else { continue }
            stopped.append(container.id)
        }
        // A stopped container's ports are only in its inspection: asked a few at a time, not one after another
        // (a host with many stopped sites would otherwise add a round trip each to every publish).
        let engine = engine
        try await withThrowingTaskGroup(of: Set<Int>.self) { group in
            var next = stopped.makeIterator()
            func askNext() {
                guard let id = next.next() else { return }
                group.addTask {
                    guard let inspected = try await engine.inspectContainer(id) else { return [] }
                    let bindings = (inspected.hostConfig.portBindings ?? [:]).values.compactMap { $0 }.joined()
                    return Set(bindings.compactMap { $0.hostPort.flatMap(Int.init) })
                }
            }
            for _ in 0..<Self.concurrentInspections { askNext() }
            while let ports = try await group.next() {
                used.formUnion(ports)
                askNext()
            }
        }
        return used
    }

    static let concurrentInspections = 8

    /// The name of the running container that publishes `port`, if the engine lists one.
    func holder(of port: Int) async -> String? {
        let running = (try? await engine.listContainers(all: false)) ?? []
        return running.first { ($0.ports ?? []).contains { $0.publicPort == port } }?.name
    }

    /// Free ports of the host's range, lowest first.
    func candidates(excluding used: Set<Int>) -> [Int] {
        host.ports.filter { !used.contains($0) }
    }
}

extension EngineError {
    /// Whether the daemon refused to start a container because its host port is taken.
    var isPortInUse: Bool {
        let text = description.lowercased()
        return text.contains("port is already allocated") || text.contains("address already in use")
    }
}
