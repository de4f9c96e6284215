/// What a host's engine says about itself, for `berth hosts`.
public struct HostStatus: Sendable, Codable, Equatable {
    public var name: String
    /// `unix://PATH` or `tcp://HOST:PORT`; whether it is TLS is `tls`.
    public var endpoint: String
    public var tls: Bool
    public var address: String
    public var reachable: Bool
    public var engineVersion: String?
    public var apiVersion: String?
    public var cpus: Int?
    public var memoryBytes: Int64?
    /// Memory berth may hand out (the inventory's figure, else the engine's total).
    public var capacityBytes: Int64?
    /// Number of berth site containers on the host, running or not.
    public var sites: Int?
    public var error: String?
    /// The host's edge, when the hosts file gives it one: running or not, domain, TLS mode, number of routes.
    public var edge: EdgeStatus?
    /// Where the host was found: the hosts file (and which), or `DOCKER_HOST` (`InventorySource`).
    public var inventory: String?

    /// Asks one host's engine; an unreachable host is reported, not thrown.
    public static func probe(_ host: DockerHost, engine: DockerEngine) async -> HostStatus {
        var status = HostStatus(name: host.name, endpoint: host.endpoint.url, tls: host.endpoint.usesTLS,
                                address: host.address, reachable: false)
        do {
            let ping = try await engine.ping()
            let info = try await engine.info()
            // Only the sites' own containers: not a publish's `--next`, nor a build's intermediate containers, which
            // carry the labels of the Dockerfile's LABEL line.
            let sites = try await SiteLocator(host: host, engine: engine).containers()
            status.reachable = true
            status.apiVersion = "\(ping.negotiatedAPIVersion)"
            status.engineVersion = info.serverVersion
            status.cpus = info.cpuCount
            status.memoryBytes = info.memoryTotal
            status.capacityBytes = host.memory?.bytes ?? info.memoryTotal
            status.sites = sites.count
            if host.edge != nil {
                status.edge = try await EdgeController(host: host, engine: engine, environment: [:]).status()
            }
        } catch {
            status.error = "\(error)"
        }
        return status
    }
}
