/// Refuses a memory limit no container on the host could ever reach: above the engine's total memory (or the
/// inventory's `memory` for the host, when that is set). Checked before anything is built.
public enum HostMemoryCheck {
    public static func check(_ limit: MemoryLimit, on host: DockerHost, engine: DockerEngine) async throws {
        let total = try await engine.info().memoryTotal
        let capacity = host.memory.map { min($0.bytes, total) } ?? total
        guard limit.bytes > capacity else { return }
        throw HostMemoryError.limitAboveHost(limit: limit, host: host.name, totalBytes: total,
                                             configured: host.memory)
    }
}

public enum HostMemoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case limitAboveHost(limit: MemoryLimit, host: String, totalBytes: Int64, configured: MemoryLimit?)

    public var description: String {
        switch self {
        case .limitAboveHost(let limit, let host, let total, let configured):
            var has = "\(host) has \(MemoryLimit(bytes: total).readable) of memory in all"
            if let configured, configured.bytes < total {
                has += ", of which the hosts file gives sites \(configured.readable)"
            }
            return "a memory limit of \(limit.readable) is more than the host can give: \(has). "
                + "Pass a smaller --memory (or memory: in berth.yml)"
        }
    }
}
