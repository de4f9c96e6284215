/// How much memory a host has left for sites: its capacity (the inventory's `memory`, else the engine's total)
/// minus the memory limits of the berth site containers already there.
public struct HostCapacity: Sendable, Equatable {
    public var host: DockerHost
    public var capacityBytes: Int64
    public var committedBytes: Int64

    public var freeBytes: Int64 { capacityBytes - committedBytes }

    /// Reads one host's capacity from its engine. `replacing` is the site about to be published: its current
    /// container's limit is not counted, since the new version takes its place.
    public static func measure(_ host: DockerHost, engine: DockerEngine, replacing identity: SiteIdentity?)
        async throws -> HostCapacity
    {
        let capacity: Int64
        if let configured = host.memory {
            capacity = configured.bytes
        } else {
            capacity = try await engine.info().memoryTotal
        }
        var committed: Int64 = 0
        for container in try await SiteLocator(host: host, engine: engine).containers() {
            if let identity, container.identity == identity { continue }
            if let inspected = try await engine.inspectContainer(container.id) {
                committed += inspected.hostConfig.memory ?? 0
            }
        }
        return HostCapacity(host: host, capacityBytes: capacity, committedBytes: committed)
    }
}

/// Chooses the host for `--host auto`: the one with the most free memory that fits the site's limit.
public enum HostPlacement {
    public static func choose(for memory: MemoryLimit, among capacities: [HostCapacity],
                              unreachable: [String: String] = [:]) throws(PlacementError) -> DockerHost {
        let fitting = capacities.filter { $0.freeBytes >= memory.bytes }
        // Most free memory first; ties go to the host listed first in the inventory.
        if let best = fitting.enumerated().max(by: { lhs, rhs in
            lhs.element.freeBytes != rhs.element.freeBytes
                ? lhs.element.freeBytes < rhs.element.freeBytes : lhs.offset > rhs.offset
        }) {
            return best.element.host
        }
        throw PlacementError.noHostFits(memory: memory, closest: capacities.max { $0.freeBytes < $1.freeBytes },
                                        unreachable: unreachable)
    }
}

public enum PlacementError: Error, Sendable, CustomStringConvertible {
    case noHostFits(memory: MemoryLimit, closest: HostCapacity?, unreachable: [String: String])

    public var description: String {
        switch self {
        case .noHostFits(let memory, let closest, let unreachable):
            var text = "no host has \(memory.readable) free for this site"
            if let closest {
                text += "; the closest is \(closest.host.name) with \(MemoryLimit(bytes: max(0, closest.freeBytes)).readable) "
                    + "free of \(MemoryLimit(bytes: closest.capacityBytes).readable)"
            }
            if !unreachable.isEmpty {
                text += "; not reachable: " + unreachable.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }
                    .joined(separator: ", ")
            }
            return text + ". Lower --memory, remove sites, or add a host"
        }
    }
}
