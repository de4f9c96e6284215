/// Picks host ports for sites published with `--port auto`, avoiding every port the engine already publishes.
struct PortAllocator {
    let engine: any ContainerEngine
    let host: DockerHost

    /// Ports published by running containers, and reserved by stopped berth containers (so that starting a
    /// stopped site later does not clash).
    func portsInUse() async throws -> Set<Int> {
        var used = Set<Int>()
        for container in try await engine.listContainers(all: true) {
            for port in container.ports ?? [] {
                if let published = port.publicPort { used.insert(published) }
            }
            guard container.state != "running", container.labels?[BerthLabel.site] != nil else { continue }
            if let inspected = try await engine.inspectContainer(container.id) {
                for bindings in (inspected.hostConfig.portBindings ?? [:]).values {
                    for binding in bindings ?? [] {
                        if let port = binding.hostPort.flatMap(Int.init) { used.insert(port) }
                    }
                }
            }
        }
        return used
    }

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
